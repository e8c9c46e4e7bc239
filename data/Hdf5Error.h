#pragma once
// The HDF5 C API's error handling, made s2s-shaped: every call goes through hdf5::check(),
// which throws an s2s::Error whose message says what s2s was doing, on which file, and what
// HDF5 itself reported ("file signature not found", "can't read data", ...). HDF5's own
// printing of error stacks to stderr is switched off, so a user sees one line, not fifty.
//
// Threading: the Debian HDF5 is built without its thread-safe option. data/ only ever calls
// HDF5 from the thread that opens or writes shards (the prefetch thread never does).
#include <hdf5.h>

#include <string>
#include <utility>

namespace s2s::hdf5 {

// Switches off HDF5's automatic error printing, once per process.
void silence_library_errors();

// The messages of HDF5's current error stack, innermost last, e.g.
// "unable to open file; file signature not found". Empty when the stack is empty.
std::string library_error();

// Throws s2s::Error("<what>: <HDF5's message>") when `result` < 0; returns it otherwise.
template <class T>
T check(T result, const std::string& what);

[[noreturn]] void fail(const std::string& what);

template <class T>
T check(T result, const std::string& what) {
  if (result < 0) fail(what);
  return result;
}

// Owns one HDF5 identifier (file, group, dataset, dataspace, type, property list) and
// closes it with the matching H5?close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now, reporting failure (closing a file flushes it: a full disk shows up here).
  void close(const std::string& what);

 private:
  void reset() noexcept {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

}  // namespace s2s::hdf5
