#include "lowrankscan.h"

#include "model/elementdecode.h"
#include "support/parallel.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace slimscope::core::analysis::detail {

namespace {

constexpr std::uint64_t kMinElements = 16384; // below this the bytes a factorization saves do not matter
constexpr double kEnergy = 0.99;

struct Candidate {
    std::size_t tensor = 0;
    std::int64_t rows = 0, cols = 0;
    double work = 0;
};

/// Squared singular values of W (rows × cols, row-major float values), largest first: the eigenvalues of the
/// Gram matrix of the smaller side.
std::vector<double> squaredSingularValues(const std::vector<float>& values, std::int64_t rows, std::int64_t cols)
{
    const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> raw(
        values.data(), rows, cols);
    // Scaled to a largest value of 1 so that the Gram matrix cannot overflow float (weights of 1e20 would).
    const float largest = raw.cwiseAbs().maxCoeff();
    const float scale = largest > 0.0f ? largest : 1.0f;
    const Eigen::MatrixXf w = raw / scale;
    Eigen::MatrixXf gram = rows >= cols ? Eigen::MatrixXf(w.transpose() * w) : Eigen::MatrixXf(w * w.transpose());
    // float is enough for a 99 % energy question, and twice as fast as double on the tridiagonalization.
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXf> solver(gram, Eigen::EigenvaluesOnly);
    std::vector<double> sigma2(solver.eigenvalues().data(), solver.eigenvalues().data() + solver.eigenvalues().size());
    for (double& s : sigma2) // NaN (a solver that did not converge) as 0: the sort needs numbers
        s = s > 0.0 ? s * static_cast<double>(scale) * static_cast<double>(scale) : 0.0;
    std::ranges::sort(sigma2, std::greater {});
    return sigma2;
}

} // namespace

LowRankScan scanLowRank(const Analysis& analysis, double budget)
{
    LowRankScan scan;
    const model::ModelFile& file = *analysis.modelFile;
    std::vector<Candidate> candidates;
    for (std::size_t t = 0; t < analysis.tensors.size(); ++t) {
        const TensorStats& tensor = analysis.tensors[t];
        // NaN or infinities have no spectrum (Eigen's solvers and the sort of eigenvalues need numbers).
        if (tensor.shape.size() != 2 || tensor.elements < kMinElements || tensor.users.empty() || tensor.weightIndex < 0
            || (tensor.dtype != model::DataType::Float && tensor.dtype != model::DataType::Float16
                && tensor.dtype != model::DataType::Bfloat16)
            || tensor.values.nonFinite > 0)
            continue;
        const bool products = std::ranges::all_of(tensor.users, [&](LayerIndex user) {
            const std::string& op = analysis.layer(user).opType;
            return op == "MatMul" || op == "Gemm";
        });
        if (!products)
            continue;
        const double m = static_cast<double>(std::min(tensor.shape[0], tensor.shape[1]));
        candidates.push_back(
            { t, tensor.shape[0], tensor.shape[1], static_cast<double>(tensor.elements) * m + m * m * m });
    }
    scan.candidates = candidates.size();
    std::ranges::stable_sort(
        candidates, std::greater {}, [&](const Candidate& c) { return analysis.tensors[c.tensor].bytes; });
    std::vector<Candidate> chosen;
    double spent = 0;
    for (const Candidate& c : candidates)
        if (spent + c.work <= budget) {
            spent += c.work;
            chosen.push_back(c);
        }
    scan.checked = chosen.size();

    std::mutex lock;
    parallelFor(chosen.size(), [&](std::size_t i) {
        const Candidate& c = chosen[i];
        const TensorStats& tensor = analysis.tensors[c.tensor];
        const auto bytes = file.read(file.weights()[static_cast<std::size_t>(tensor.weightIndex)]);
        if (!bytes)
            return;
        std::vector<float> values(tensor.elements);
        for (std::uint64_t k = 0; k < tensor.elements; ++k)
            values[k] = static_cast<float>(model::elementAsDouble(tensor.dtype, bytes->bytes.data(), k));
        const std::vector<double> sigma2 = squaredSingularValues(values, c.rows, c.cols);
        double total = 0;
        for (const double s : sigma2)
            total += s;
        if (total <= 0)
            return;
        std::size_t rank = 0;
        for (double kept = 0; rank < sigma2.size() && kept < kEnergy * total; ++rank)
            kept += sigma2[rank];
        const auto r = static_cast<std::uint64_t>(rank);
        const auto factorElements = r * static_cast<std::uint64_t>(c.rows + c.cols);
        if (2 * rank > sigma2.size() || factorElements >= tensor.elements)
            return;
        Finding finding;
        finding.kind = FindingKind::LowRank;
        finding.severity = Severity::Info;
        finding.tensors = { tensor.name };
        for (const LayerIndex user : tensor.users)
            finding.nodes.push_back(analysis.layer(user).name);
        finding.bytesRecoverable = (tensor.elements - factorElements) * (tensor.bytes / tensor.elements);
        finding.message = "rank " + std::to_string(rank) + " of " + std::to_string(sigma2.size())
            + " keeps 99% of the energy (Σσ²) of " + std::to_string(c.rows) + "×" + std::to_string(c.cols) + " '"
            + tensor.name + "'";
        finding.fix = "low_rank 0.99 stores it as two factors [" + std::to_string(c.rows) + "," + std::to_string(rank)
            + "]·[" + std::to_string(rank) + "," + std::to_string(c.cols)
            + "]; the relative error of the weight is √(discarded energy) ≤ 10%: verify the outputs";
        const std::scoped_lock guard(lock);
        scan.findings.push_back(std::move(finding));
    });
    std::ranges::stable_sort(scan.findings, std::greater {}, &Finding::bytesRecoverable);
    return scan;
}

} // namespace slimscope::core::analysis::detail
