#include "trainer/MetricsLog.h"

#include <cstring>

#include "core/Check.h"

namespace s2s {

MetricsLog::MetricsLog(const std::string& path) : path_(path), out_(path, std::ios::app) {
  S2S_CHECK(out_.good(), "cannot open the metrics log '{}' for writing: {}", path,
            std::strerror(errno));
}

void MetricsLog::write(const nlohmann::json& record) {
  out_ << record.dump() << '\n';
  out_.flush();
  S2S_CHECK(out_.good(), "writing the metrics log '{}' failed (disk full?)", path_);
}

}  // namespace s2s
