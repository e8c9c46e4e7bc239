#include "data/Hdf5Error.h"

#include <mutex>
#include <vector>

#include "core/Check.h"

namespace s2s::hdf5 {
namespace {

herr_t collect(unsigned /*n*/, const H5E_error2_t* error, void* data) {
  auto* messages = static_cast<std::vector<std::string>*>(data);
  if (error->desc && *error->desc) messages->emplace_back(error->desc);
  return 0;
}

}  // namespace

void silence_library_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

std::string library_error() {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, &collect, &messages);
  H5Eclear2(H5E_DEFAULT);
  // The outermost frames say little ("unable to open file"); the innermost two say why.
  std::string out;
  const size_t first = messages.size() > 2 ? messages.size() - 2 : 0;
  for (size_t i = first; i < messages.size(); ++i) {
    if (!out.empty()) out += "; ";
    out += messages[i];
  }
  return out;
}

void fail(const std::string& what) {
  const std::string why = library_error();
  S2S_FAIL("{}{}{}", what, why.empty() ? "" : ": HDF5 says: ", why);
}

void Handle::close(const std::string& what) {
  if (id_ < 0 || !closer_) return;
  const herr_t status = closer_(std::exchange(id_, H5I_INVALID_HID));
  check(status, what);
}

}  // namespace s2s::hdf5
