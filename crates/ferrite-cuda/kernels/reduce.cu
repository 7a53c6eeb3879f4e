// Reductions over any set of dims, and cumsum. The host permutes the input's layout so the kept
// dims come first (`outer`, one output each, row-major) and the reduced dims last (`inner`, K
// elements); one block reduces one part of one output row with a fixed tree, so a result does not
// depend on timing. A row may be cut into `parts` equal parts (output `out[row * parts + part]`)
// when there are few long rows; the host then reduces the parts in a second launch.
// Accumulation is in the element type, as on the CPU.
#include "common.cuh"

#define REDUCE_THREADS 256

struct SumR {
    template <typename T> __device__ static __forceinline__ T init() { return (T)0; }
    template <typename T> __device__ static __forceinline__ T combine(T a, T b) { return add_<T>(a, b); }
};
struct ProdR {
    template <typename T> __device__ static __forceinline__ T init() { return (T)1; }
    template <typename T> __device__ static __forceinline__ T combine(T a, T b) { return mul_<T>(a, b); }
};
template <typename T> __device__ __forceinline__ T lowest();
template <> __device__ __forceinline__ float lowest<float>() { return -__int_as_float(0x7f800000); }
template <> __device__ __forceinline__ double lowest<double>() { return -__longlong_as_double(0x7ff0000000000000ll); }
template <> __device__ __forceinline__ i64 lowest<i64>() { return (i64)(-0x7fffffffffffffffll - 1); }
template <> __device__ __forceinline__ u8 lowest<u8>() { return 0; }
template <typename T> __device__ __forceinline__ T highest();
template <> __device__ __forceinline__ float highest<float>() { return __int_as_float(0x7f800000); }
template <> __device__ __forceinline__ double highest<double>() { return __longlong_as_double(0x7ff0000000000000ll); }
template <> __device__ __forceinline__ i64 highest<i64>() { return (i64)0x7fffffffffffffffll; }
template <> __device__ __forceinline__ u8 highest<u8>() { return 255; }
struct MaxR {
    template <typename T> __device__ static __forceinline__ T init() { return lowest<T>(); }
    template <typename T> __device__ static __forceinline__ T combine(T a, T b) { return max_nan<T>(a, b); }
};
struct MinR {
    template <typename T> __device__ static __forceinline__ T init() { return highest<T>(); }
    template <typename T> __device__ static __forceinline__ T combine(T a, T b) { return min_nan<T>(a, b); }
};

template <typename R, typename T>
__device__ __forceinline__ void reduce_rows(T* out, const T* x, const Strided& outer, const Strided& inner, u64 m, u64 k, u64 parts) {
    __shared__ T buf[REDUCE_THREADS];
    u64 chunk = (k + parts - 1) / parts;
    for (u64 v = blockIdx.x; v < m * parts; v += gridDim.x) {
        u64 row = v / parts, part = v % parts;
        u64 base = at(outer, row);
        u64 end = min(k, (part + 1) * chunk);
        T acc = R::template init<T>();
        for (u64 j = part * chunk + threadIdx.x; j < end; j += blockDim.x) acc = R::template combine<T>(acc, x[base + at(inner, j)]);
        buf[threadIdx.x] = acc;
        __syncthreads();
        for (unsigned int w = blockDim.x / 2; w > 0; w >>= 1) {
            if (threadIdx.x < w) buf[threadIdx.x] = R::template combine<T>(buf[threadIdx.x], buf[threadIdx.x + w]);
            __syncthreads();
        }
        if (threadIdx.x == 0) out[v] = buf[0];
        __syncthreads();
    }
}

#define REDUCE_KERNEL(name, R, tn, T) \
    extern "C" __global__ void reduce_##name##_##tn(T* out, const T* x, Strided outer, Strided inner, u64 m, u64 k, u64 parts) { \
        reduce_rows<R, T>(out, x, outer, inner, m, k, parts); \
    }
#define REDUCE_ALL(tn, T) \
    REDUCE_KERNEL(sum, SumR, tn, T) REDUCE_KERNEL(prod, ProdR, tn, T) \
    REDUCE_KERNEL(max, MaxR, tn, T) REDUCE_KERNEL(min, MinR, tn, T)
FOR_EACH_TYPE(REDUCE_ALL)

// The first index of the extremum; a NaN wins (the first NaN), as in PyTorch and on the CPU.
template <bool MAX, typename T>
__device__ __forceinline__ bool better(T v, u64 i, T b, u64 bi) {
    if (is_nan(b)) return is_nan(v) && i < bi;
    if (is_nan(v)) return true;
    if (MAX ? v > b : v < b) return true;
    return v == b && i < bi;
}

template <bool MAX, typename T>
__device__ __forceinline__ void arg_rows(i64* out, const T* x, const Strided& outer, const Strided& inner, u64 m, u64 k) {
    __shared__ T vals[REDUCE_THREADS];
    __shared__ u64 idxs[REDUCE_THREADS];
    for (u64 row = blockIdx.x; row < m; row += gridDim.x) {
        u64 base = at(outer, row);
        T best = (T)0;
        u64 bi = ~0ull;
        for (u64 j = threadIdx.x; j < k; j += blockDim.x) {
            T v = x[base + at(inner, j)];
            if (bi == ~0ull || better<MAX, T>(v, j, best, bi)) { best = v; bi = j; }
        }
        vals[threadIdx.x] = best;
        idxs[threadIdx.x] = bi;
        __syncthreads();
        for (unsigned int w = blockDim.x / 2; w > 0; w >>= 1) {
            if (threadIdx.x < w) {
                u64 oi = idxs[threadIdx.x + w];
                if (oi != ~0ull && (idxs[threadIdx.x] == ~0ull || better<MAX, T>(vals[threadIdx.x + w], oi, vals[threadIdx.x], idxs[threadIdx.x]))) {
                    vals[threadIdx.x] = vals[threadIdx.x + w];
                    idxs[threadIdx.x] = oi;
                }
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) out[row] = idxs[0] == ~0ull ? 0 : (i64)idxs[0];
        __syncthreads();
    }
}

#define ARG_KERNELS(tn, T) \
    extern "C" __global__ void reduce_argmax_##tn(i64* out, const T* x, Strided outer, Strided inner, u64 m, u64 k) { \
        arg_rows<true, T>(out, x, outer, inner, m, k); \
    } \
    extern "C" __global__ void reduce_argmin_##tn(i64* out, const T* x, Strided outer, Strided inner, u64 m, u64 k) { \
        arg_rows<false, T>(out, x, outer, inner, m, k); \
    }
FOR_EACH_TYPE(ARG_KERNELS)

// Cumulative sum along one dim: one thread per line, adding in order as the CPU does. `lx` is
// the input's layout permuted so the scanned dim is last; the output is contiguous in the
// original shape (line = outer * inner + i, element j at (outer * n + j) * inner + i).
#define CUMSUM_KERNEL(tn, T) \
    extern "C" __global__ void cumsum_##tn(T* out, const T* x, Strided lx, u64 lines, u64 n, u64 inner) { \
        GRID_STRIDE(line, lines) { \
            u64 o = line / inner, i = line % inner; \
            T acc = (T)0; \
            for (u64 j = 0; j < n; ++j) { \
                T v = x[at(lx, line * n + j)]; \
                acc = j == 0 ? v : add_<T>(acc, v); \
                out[(o * n + j) * inner + i] = acc; \
            } \
        } \
    }
FOR_EACH_TYPE(CUMSUM_KERNEL)
