#include "stepcache.h"

namespace slimscope::core::slim {

void StepCache::beginRun()
{
    const std::lock_guard lock(m_mutex);
    ++m_run;
    std::erase_if(m_entries, [this](const auto& entry) { return entry.second.lastRun + 2 < m_run; });
}

std::size_t StepCache::size() const
{
    const std::lock_guard lock(m_mutex);
    return m_entries.size();
}

std::shared_ptr<const void> StepCache::lookup(const Key& key)
{
    const std::lock_guard lock(m_mutex);
    const auto found = m_entries.find(key);
    if (found == m_entries.end())
        return nullptr;
    found->second.lastRun = m_run;
    return found->second.value;
}

std::shared_ptr<const void> StepCache::insert(
    const Key& key, std::shared_ptr<const void> value, std::shared_ptr<const void> keepAlive)
{
    const std::lock_guard lock(m_mutex);
    const auto [entry, inserted] = m_entries.try_emplace(key, Entry { std::move(value), std::move(keepAlive), m_run });
    return entry->second.value;
}

} // namespace slimscope::core::slim
