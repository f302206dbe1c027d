#include <torch/version.h>
extern "C" __attribute__((visibility("default"))) const char* xt_version() { return TORCH_VERSION; }
