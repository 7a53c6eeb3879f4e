// Indexing kernels: index_select and gather read through i64 indices; scatter_add and index_add
// (their adjoints) add with atomics, so the order of additions to one element is not fixed. An
// out-of-bounds index is not a crash: the element is skipped (or reads 0) and the op's code is
// raised in the device's error word, which the host checks at its next synchronisation.
#include "common.cuh"

// The index value `v` checked against `size` (negative counts from the end); -1 when out of bounds.
__device__ __forceinline__ i64 norm_index(i64 v, u64 size) {
    i64 j = v < 0 ? v + (i64)size : v;
    return (j < 0 || j >= (i64)size) ? -1 : j;
}

// out (contiguous, the shape of `ls.dims` with dim `dim` of size `ls.dims[dim]` = number of
// indices) = src[..., ids[i], ...]; `size` is the source's true size along `dim`.
#define INDEX_SELECT_KERNEL(tn, T) \
    extern "C" __global__ void index_select_##tn(u64 n, T* out, const T* src, Strided ls, const i64* ids, Strided li, u64 dim, u64 size, int* err) { \
        GRID_STRIDE(o, n) { \
            u64 rem = o, off = ls.offset; \
            bool ok = true; \
            for (int d = (int)ls.rank - 1; d >= 0; --d) { \
                u64 c = rem % ls.dims[d]; \
                rem /= ls.dims[d]; \
                if ((u64)d == dim) { \
                    i64 j = norm_index(ids[at(li, c)], size); \
                    if (j < 0) { ok = false; raise_error(err, ERR_INDEX_SELECT); j = 0; } \
                    c = (u64)j; \
                } \
                off += c * ls.strides[d]; \
            } \
            out[o] = ok ? src[off] : (T)0; \
        } \
    }
FOR_EACH_TYPE(INDEX_SELECT_KERNEL)

// The offset in the layout `l` of the index tensor's element `o` (row-major over `li.dims`),
// with dim `dim` replaced by the index value; false when that value is out of bounds.
__device__ __forceinline__ bool gather_offset(const Strided& l, const Strided& li, const i64* ids, u64 dim, u64 o, u64* off) {
    u64 rem = o, acc = l.offset;
    i64 j = norm_index(ids[at(li, o)], l.dims[dim]);
    if (j < 0) return false;
    for (int d = (int)li.rank - 1; d >= 0; --d) {
        u64 c = rem % li.dims[d];
        rem /= li.dims[d];
        acc += ((u64)d == dim ? (u64)j : c) * l.strides[d];
    }
    *off = acc;
    return true;
}

#define GATHER_KERNEL(tn, T) \
    extern "C" __global__ void gather_##tn(u64 n, T* out, const T* src, Strided ls, const i64* ids, Strided li, u64 dim, int* err) { \
        GRID_STRIDE(o, n) { \
            u64 off; \
            if (gather_offset(ls, li, ids, dim, o, &off)) out[o] = src[off]; \
            else { out[o] = (T)0; raise_error(err, ERR_GATHER); } \
        } \
    }
FOR_EACH_TYPE(GATHER_KERNEL)

__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(i64* p, i64 v) { atomicAdd((u64*)p, (u64)v); }

// dst[..., ids[o], ...] += src[o] over the index tensor's elements (src has the index's shape).
#define SCATTER_ADD_KERNEL(tn, T) \
    extern "C" __global__ void scatter_add_##tn(u64 n, T* dst, Strided ld, const i64* ids, Strided li, const T* src, Strided ls, u64 dim, int* err) { \
        GRID_STRIDE(o, n) { \
            u64 off; \
            if (gather_offset(ld, li, ids, dim, o, &off)) atomic_add(dst + off, src[at(ls, o)]); \
            else raise_error(err, ERR_SCATTER_ADD); \
        } \
    }
// Slice j of src along dim is added into slice ids[j] of dst; one thread per src element.
#define INDEX_ADD_KERNEL(tn, T) \
    extern "C" __global__ void index_add_##tn(u64 n, T* dst, Strided ld, const i64* ids, Strided li, const T* src, Strided ls, u64 dim, int* err) { \
        GRID_STRIDE(o, n) { \
            u64 rem = o, off = ld.offset; \
            bool ok = true; \
            for (int d = (int)ls.rank - 1; d >= 0; --d) { \
                u64 c = rem % ls.dims[d]; \
                rem /= ls.dims[d]; \
                if ((u64)d == dim) { \
                    i64 j = norm_index(ids[at(li, c)], ld.dims[dim]); \
                    if (j < 0) { ok = false; j = 0; } \
                    c = (u64)j; \
                } \
                off += c * ld.strides[d]; \
            } \
            if (ok) atomic_add(dst + off, src[at(ls, o)]); \
            else raise_error(err, ERR_INDEX_ADD); \
        } \
    }
#define ATOMIC_KERNELS(tn, T) SCATTER_ADD_KERNEL(tn, T) INDEX_ADD_KERNEL(tn, T)
ATOMIC_KERNELS(f32, float)
ATOMIC_KERNELS(f64, double)
ATOMIC_KERNELS(i64, i64)
