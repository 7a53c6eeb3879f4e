// Host emulation of the CUDA builtins the kernels use, so tests/host_emulation.rs can run every
// kernel on the CPU without a GPU. A kernel called directly runs as one block of one thread (its
// grid-stride loop visits every element); `emu_launch` runs it as a real grid: blocks in turn,
// each block's threads as OS threads meeting at `__syncthreads` (a barrier), shared memory as
// function statics, atomics under a lock. Needs C++20 (std::barrier) and threads.
#include <math.h>
#include <string.h>
#include <algorithm>
#include <barrier>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
struct dim3e { unsigned x, y, z; };
inline thread_local dim3e threadIdx{0, 0, 0}, blockIdx{0, 0, 0};
inline dim3e blockDim{1, 1, 1}, gridDim{1, 1, 1};
inline std::barrier<>* emu_barrier = nullptr;
inline std::mutex emu_atomic_lock;
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __syncthreads() (emu_barrier ? emu_barrier->arrive_and_wait() : (void)0)
inline float __int_as_float(int x) { float f; memcpy(&f, &x, 4); return f; }
inline double __longlong_as_double(long long x) { double d; memcpy(&d, &x, 8); return d; }
template <class T> T atomicAdd(T* p, T v) { std::lock_guard<std::mutex> g(emu_atomic_lock); T o = *p; *p = o + v; return o; }
inline int atomicCAS(int* p, int c, int v) { std::lock_guard<std::mutex> g(emu_atomic_lock); int o = *p; if (o == c) *p = v; return o; }
using std::min;

// Runs `body` (a kernel call) as `grid` blocks of `block` threads.
inline void emu_launch(unsigned grid, unsigned block, const std::function<void()>& body) {
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
    std::barrier<> bar(block);
    emu_barrier = &bar;
    for (unsigned b = 0; b < grid; b++) {
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < block; t++) threads.emplace_back([&, b, t] { threadIdx = {t, 0, 0}; blockIdx = {b, 0, 0}; body(); });
        for (auto& th : threads) th.join();
    }
    emu_barrier = nullptr;
    gridDim = {1, 1, 1};
    blockDim = {1, 1, 1};
}
