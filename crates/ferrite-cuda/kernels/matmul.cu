// Integer batched matmul (f32/f64 go through cuBLAS): one thread per output element of
// [b, m, n] = [b, m, k] @ [b, k, n], operands read through their 3-d layouts, wrapping arithmetic.
#include "common.cuh"

#define MATMUL_KERNEL(tn, T) \
    extern "C" __global__ void matmul_##tn(T* out, const T* a, Strided la, const T* b, Strided lb, u64 batch, u64 m, u64 n, u64 k) { \
        GRID_STRIDE(o, batch * m * n) { \
            u64 j = o % n, i = (o / n) % m, bi = o / (m * n); \
            const T* pa = a + la.offset + bi * la.strides[0] + i * la.strides[1]; \
            const T* pb = b + lb.offset + bi * lb.strides[0] + j * lb.strides[2]; \
            T acc = (T)0; \
            for (u64 p = 0; p < k; ++p) acc = add_<T>(acc, mul_<T>(pa[p * la.strides[2]], pb[p * lb.strides[1]])); \
            out[o] = acc; \
        } \
    }
MATMUL_KERNEL(i64, i64)
MATMUL_KERNEL(u8, u8)
