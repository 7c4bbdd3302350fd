#pragma once

// The parameters of one recipe step, whatever its type. Each step type defines its own parameter struct in
// its own file (core/slim/steps/); this value holds any of them, so that adding a step touches no list here.

#include <memory>
#include <string_view>
#include <type_traits>

namespace slimscope::core::slim {

/// A parameter struct is a regular value type with `static constexpr std::string_view kName` (the step's
/// registered name, such as "prune" or "quantize:int8") and operator==.
template <class T>
concept HasStepName = requires
{
    T::kName;
}
&&std::convertible_to<decltype(T::kName), std::string_view>;
/// kName is checked first: for StepParams itself the check stops there, before asking whether StepParams is
/// copyable (which would ask this constructor again).
template <class T>
concept StepParameters = HasStepName<T> && std::is_copy_constructible_v<T> && std::equality_comparable<T>;

/// A copyable, comparable value holding one step's parameters.
class StepParams {
public:
    StepParams() = default;
    template <StepParameters T>
    StepParams(T params) // NOLINT(google-explicit-constructor): a step's parameters are its StepParams
        : m_holder(std::make_unique<Holder<T>>(std::move(params)))
    { }
    StepParams(const StepParams& other)
        : m_holder(other.m_holder ? other.m_holder->clone() : nullptr)
    { }
    StepParams(StepParams&&) noexcept = default;
    StepParams& operator=(const StepParams& other)
    {
        if (this != &other)
            m_holder = other.m_holder ? other.m_holder->clone() : nullptr;
        return *this;
    }
    StepParams& operator=(StepParams&&) noexcept = default;

    /// The registered name of the step type ("prune", "quantize:int8"); empty when nothing is held.
    std::string_view name() const { return m_holder ? m_holder->name() : std::string_view {}; }
    bool empty() const { return !m_holder; }

    /// The parameters as `T`, or nullptr when they are of another step type.
    template <StepParameters T> const T* as() const
    {
        const auto* holder = dynamic_cast<const Holder<T>*>(m_holder.get());
        return holder ? &holder->value : nullptr;
    }
    template <StepParameters T> T* as()
    {
        auto* holder = dynamic_cast<Holder<T>*>(m_holder.get());
        return holder ? &holder->value : nullptr;
    }
    template <StepParameters T> bool is() const { return as<T>() != nullptr; }

    bool operator==(const StepParams& other) const
    {
        if (!m_holder || !other.m_holder)
            return !m_holder && !other.m_holder;
        return m_holder->equals(*other.m_holder);
    }

private:
    struct Base {
        virtual ~Base() = default;
        virtual std::unique_ptr<Base> clone() const = 0;
        virtual bool equals(const Base& other) const = 0;
        virtual std::string_view name() const = 0;
    };
    template <class T> struct Holder final : Base {
        explicit Holder(T v)
            : value(std::move(v))
        { }
        std::unique_ptr<Base> clone() const override { return std::make_unique<Holder>(value); }
        bool equals(const Base& other) const override
        {
            const auto* same = dynamic_cast<const Holder*>(&other);
            return same && same->value == value;
        }
        std::string_view name() const override { return T::kName; }
        T value;
    };

    std::unique_ptr<Base> m_holder;
};

} // namespace slimscope::core::slim
