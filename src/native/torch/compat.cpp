// Which libtorch the shim was compiled against and which one the dynamic linker actually loaded.
// A shim built against one libtorch and run on another (a `module load` or LD_LIBRARY_PATH change
// after the build) fails in confusing ways or silently computes with a different ATen, so the managed
// side compares the two (major.minor) before the first tensor call and refuses a mismatch.
// Prefix xr_compat_ (not xt_): these describe the build, not tensors; doctor prints them.
#include "shim.h"
#include "compat.h"
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>

namespace {
std::string g_loaded, g_path;

// The file the dynamic linker resolved libtorch_cpu to (at::get_num_threads lives there in every version).
std::string torch_library_path() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&at::get_num_threads), &info) == 0 || info.dli_fname == nullptr) return "";
  char buf[PATH_MAX];
  return realpath(info.dli_fname, buf) ? std::string(buf) : std::string(info.dli_fname);
}

std::string first_match(const std::string& text, const std::regex& re) {
  std::smatch m;
  return std::regex_search(text, m, re) ? m[1].str() : "";
}

std::string read_file(const std::string& p) {
  std::ifstream f(p);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Version of the loaded library, from what each distribution leaves beside it: Debian's versioned
// soname (libtorch_cpu.so.2.6), a pip/conda wheel's torch/version.py, or the libtorch zip's build-version.
std::string loaded_version(const std::string& path) {
  if (path.empty()) return "";
  auto slash = path.rfind('/');
  std::string dir = path.substr(0, slash), name = path.substr(slash + 1);
  std::string v = first_match(name, std::regex(R"(\.so\.([0-9]+\.[0-9]+(\.[0-9]+)?)$)"));
  if (!v.empty()) return v;
  v = first_match(read_file(dir + "/../version.py"), std::regex(R"(__version__\s*=\s*['"]([^'"]+)['"])"));
  if (!v.empty()) return v;
  v = first_match(read_file(dir + "/../build-version"), std::regex(R"(([0-9]+\.[0-9]+[^\s]*))"));
  return v;
}

void probe() {
  if (!g_path.empty() || !g_loaded.empty()) return;
  g_path = torch_library_path();
  g_loaded = loaded_version(g_path);
}
}  // namespace

XT_API const char* xr_compat_torch_built() { return TORCH_VERSION; }
// "" when the loaded library's version cannot be told from its files (the caller then reports "unknown").
XT_API const char* xr_compat_torch_loaded() {
  try { probe(); } catch (...) {}
  return g_loaded.c_str();
}
XT_API const char* xr_compat_torch_library() {
  try { probe(); } catch (...) {}
  return g_path.c_str();
}
XT_API int xr_compat_cuda_built() {
#ifdef XRAYHPC_CUDA
  return 1;
#else
  return 0;
#endif
}
