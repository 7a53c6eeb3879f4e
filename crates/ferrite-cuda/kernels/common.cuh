// Shared by every ferrite kernel module: element types, the by-value strided layout, the
// grid-stride loop and the scalar semantics that must match the CPU backend (crates/ferrite-tensor/src/cpu/num.rs).
#pragma once

typedef unsigned long long u64;
typedef long long i64;
typedef unsigned char u8;

// Keep in sync with `Strided` in crates/ferrite-cuda/src/layout.rs: rank, offset, then sizes and
// strides of up to 8 dims (all in elements), passed to every kernel by value.
#define MAX_DIMS 8
struct Strided {
    u64 rank;
    u64 offset;
    u64 dims[MAX_DIMS];
    u64 strides[MAX_DIMS];
};

// The storage offset of row-major element `i` of a layout.
__device__ __forceinline__ u64 at(const Strided& l, u64 i) {
    if (l.rank == 1) return l.offset + i * l.strides[0];
    u64 off = l.offset;
    if (i <= 0xffffffffull) {
        // 32-bit division is several times cheaper than 64-bit: every quotient here is <= i.
        unsigned int j = (unsigned int)i;
#pragma unroll 1
        for (int d = (int)l.rank - 1; d >= 0; --d) {
            u64 n = l.dims[d];
            if (n > 0xffffffffull) {
                off += (u64)j * l.strides[d];
                j = 0;
            } else {
                off += (u64)(j % (unsigned int)n) * l.strides[d];
                j /= (unsigned int)n;
            }
        }
        return off;
    }
    // Not unrolled: the loop runs `rank` times, and unrolled copies only bloat every kernel.
#pragma unroll 1
    for (int d = (int)l.rank - 1; d >= 0; --d) {
        u64 n = l.dims[d];
        off += (i % n) * l.strides[d];
        i /= n;
    }
    return off;
}

#define GRID_STRIDE(i, n) \
    for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (u64)blockDim.x * gridDim.x)

// Error codes a kernel may raise (an out-of-bounds index): the first one sticks in the device's
// error word, which the host reads at its next synchronisation.
#define ERR_INDEX_SELECT 1
#define ERR_GATHER 2
#define ERR_SCATTER_ADD 3
#define ERR_INDEX_ADD 4
__device__ __forceinline__ void raise_error(int* err, int code) { atomicCAS(err, 0, code); }

// ---- scalar semantics (as the CPU's `Num`): integers wrap, floats follow IEEE ----
template <typename T> __device__ __forceinline__ bool is_nan(T x) { return false; }
template <> __device__ __forceinline__ bool is_nan<float>(float x) { return x != x; }
template <> __device__ __forceinline__ bool is_nan<double>(double x) { return x != x; }

template <typename T> __device__ __forceinline__ T add_(T a, T b) { return a + b; }
template <> __device__ __forceinline__ i64 add_<i64>(i64 a, i64 b) { return (i64)((u64)a + (u64)b); }
template <typename T> __device__ __forceinline__ T sub_(T a, T b) { return a - b; }
template <> __device__ __forceinline__ i64 sub_<i64>(i64 a, i64 b) { return (i64)((u64)a - (u64)b); }
template <typename T> __device__ __forceinline__ T mul_(T a, T b) { return a * b; }
template <> __device__ __forceinline__ i64 mul_<i64>(i64 a, i64 b) { return (i64)((u64)a * (u64)b); }
template <typename T> __device__ __forceinline__ T neg_(T a) { return -a; }
template <> __device__ __forceinline__ i64 neg_<i64>(i64 a) { return (i64)(0ull - (u64)a); }
template <> __device__ __forceinline__ u8 neg_<u8>(u8 a) { return (u8)(0u - a); }

// Integer division truncates, x / 0 is 0, and i64::MIN / -1 wraps (Rust's wrapping_div).
template <typename T> __device__ __forceinline__ T div_(T a, T b) { return a / b; }
template <> __device__ __forceinline__ i64 div_<i64>(i64 a, i64 b) {
    if (b == 0) return 0;
    if (b == -1) return neg_<i64>(a);
    return a / b;
}
template <> __device__ __forceinline__ u8 div_<u8>(u8 a, u8 b) { return b == 0 ? (u8)0 : (u8)(a / b); }

// Integer power: a negative exponent gives 0; otherwise Rust's wrapping_pow(b as u32).
template <typename T> __device__ __forceinline__ T ipow(T a, i64 b) {
    if (b < 0) return 0;
    unsigned int e = (unsigned int)(u64)b;
    T r = 1;
    while (e) {
        if (e & 1u) r = mul_<T>(r, a);
        a = mul_<T>(a, a);
        e >>= 1;
    }
    return r;
}
template <typename T> __device__ __forceinline__ T pow_(T a, T b) { return ipow<T>(a, (i64)b); }
template <> __device__ __forceinline__ float pow_<float>(float a, float b) { return powf(a, b); }
template <> __device__ __forceinline__ double pow_<double>(double a, double b) { return pow(a, b); }

template <typename T> __device__ __forceinline__ T abs_(T a) { return a < (T)0 ? neg_<T>(a) : a; }
template <> __device__ __forceinline__ u8 abs_<u8>(u8 a) { return a; }
template <> __device__ __forceinline__ float abs_<float>(float a) { return fabsf(a); }
template <> __device__ __forceinline__ double abs_<double>(double a) { return fabs(a); }

// NaN propagates, as torch.maximum / torch.minimum.
template <typename T> __device__ __forceinline__ T max_nan(T a, T b) { return (is_nan(a) || a > b) ? a : b; }
template <typename T> __device__ __forceinline__ T min_nan(T a, T b) { return (is_nan(a) || a < b) ? a : b; }

// -1, 0 or 1; NaN and -0.0 give +0.
template <typename T> __device__ __forceinline__ T sign_(T a) {
    return a > (T)0 ? (T)1 : (a < (T)0 ? neg_<T>((T)1) : (T)0);
}

// a * b + c rounding once for floats; integers wrap.
template <typename T> __device__ __forceinline__ T fma_(T a, T b, T c) { return add_<T>(mul_<T>(a, b), c); }
template <> __device__ __forceinline__ float fma_<float>(float a, float b, float c) { return fmaf(a, b, c); }
template <> __device__ __forceinline__ double fma_<double>(double a, double b, double c) { return fma(a, b, c); }

// Rust's `v as T` from f64: saturating, NaN to 0.
template <typename T> __device__ __forceinline__ T from_f64(double v);
template <> __device__ __forceinline__ float from_f64<float>(double v) { return (float)v; }
template <> __device__ __forceinline__ double from_f64<double>(double v) { return v; }
template <> __device__ __forceinline__ i64 from_f64<i64>(double v) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return (i64)0x7fffffffffffffffll;
    if (v <= -9223372036854775808.0) return (i64)(-0x7fffffffffffffffll - 1);
    return (i64)v;
}
template <> __device__ __forceinline__ u8 from_f64<u8>(double v) {
    if (v != v || v <= 0.0) return 0;
    if (v >= 255.0) return 255;
    return (u8)v;
}

// The element types every templated kernel is instantiated for (bool is stored as u8).
#define FOR_EACH_TYPE(M) M(f32, float) M(f64, double) M(i64, i64) M(u8, u8)
#define FOR_EACH_FLOAT(M) M(f32, float) M(f64, double)
