// Elementwise kernels: unary ops, binary ops and comparisons over strided (possibly broadcast)
// inputs, `where`, casts, fills, strided copies and the in-place updates that write through a
// strided destination. Each reads its operands through `Strided` layouts and writes either a fresh
// contiguous output (`out[i]`) or the destination's own layout. Semantics follow the CPU backend.
#include "common.cuh"

// ---- unary ----
__device__ __forceinline__ float f_exp(float x) { return expf(x); }
__device__ __forceinline__ double f_exp(double x) { return exp(x); }
__device__ __forceinline__ float f_log(float x) { return logf(x); }
__device__ __forceinline__ double f_log(double x) { return log(x); }
__device__ __forceinline__ float f_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double f_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float f_sin(float x) { return sinf(x); }
__device__ __forceinline__ double f_sin(double x) { return sin(x); }
__device__ __forceinline__ float f_cos(float x) { return cosf(x); }
__device__ __forceinline__ double f_cos(double x) { return cos(x); }
__device__ __forceinline__ float f_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double f_tanh(double x) { return tanh(x); }

#define UNARY_OP(Name, expr) \
    struct Name { \
        template <typename T> __device__ static __forceinline__ T f(T x, double p0, double p1, int flags) { return expr; } \
    };
UNARY_OP(Exp, f_exp(x))
UNARY_OP(Log, f_log(x))
UNARY_OP(Sqrt, f_sqrt(x))
UNARY_OP(Sin, f_sin(x))
UNARY_OP(Cos, f_cos(x))
UNARY_OP(Tanh, f_tanh(x))
UNARY_OP(Sigmoid, (T)1 / ((T)1 + f_exp(-x)))
UNARY_OP(Recip, (T)1 / x)
UNARY_OP(Powf, ((T)p0 == (T)2 ? x * x : pow_<T>(x, (T)p0)))
UNARY_OP(Neg, neg_<T>(x))
UNARY_OP(Abs, abs_<T>(x))
UNARY_OP(Sign, sign_<T>(x))
UNARY_OP(Square, mul_<T>(x, x))
// relu(NaN) is NaN, as in PyTorch.
UNARY_OP(Relu, (x < (T)0 ? (T)0 : x))
UNARY_OP(LogicalNot, (x == (T)0 ? (T)1 : (T)0))

// Clamp into [p0, p1]; bit 0 of `flags`: a lower bound is given, bit 1: an upper bound.
struct Clamp {
    template <typename T> __device__ static __forceinline__ T f(T x, double p0, double p1, int flags) {
        if ((flags & 1) && x < from_f64<T>(p0)) x = from_f64<T>(p0);
        if ((flags & 2) && x > from_f64<T>(p1)) x = from_f64<T>(p1);
        return x;
    }
};
// x * p0 + p1; pure scaling and pure shifting stay exact (-0.0 * 2 is -0.0), as on the CPU.
struct Affine {
    template <typename T> __device__ static __forceinline__ T f(T x, double p0, double p1, int flags) {
        if (p1 == 0.0) return mul_<T>(x, from_f64<T>(p0));
        if (p0 == 1.0) return add_<T>(x, from_f64<T>(p1));
        return add_<T>(mul_<T>(x, from_f64<T>(p0)), from_f64<T>(p1));
    }
};

#define UNARY_KERNEL(name, Op, tn, T) \
    extern "C" __global__ void unary_##name##_##tn(u64 n, T* out, const T* x, Strided lx, double p0, double p1, int flags) { \
        GRID_STRIDE(i, n) out[i] = Op::f<T>(x[at(lx, i)], p0, p1, flags); \
    }
#define UNARY_FLOAT(name, Op) UNARY_KERNEL(name, Op, f32, float) UNARY_KERNEL(name, Op, f64, double)
#define UNARY_ALL(name, Op) UNARY_FLOAT(name, Op) UNARY_KERNEL(name, Op, i64, i64) UNARY_KERNEL(name, Op, u8, u8)

UNARY_FLOAT(exp, Exp)
UNARY_FLOAT(log, Log)
UNARY_FLOAT(sqrt, Sqrt)
UNARY_FLOAT(sin, Sin)
UNARY_FLOAT(cos, Cos)
UNARY_FLOAT(tanh, Tanh)
UNARY_FLOAT(sigmoid, Sigmoid)
UNARY_FLOAT(recip, Recip)
UNARY_FLOAT(powf, Powf)
UNARY_ALL(neg, Neg)
UNARY_ALL(abs, Abs)
UNARY_ALL(sign, Sign)
UNARY_ALL(square, Square)
UNARY_ALL(relu, Relu)
UNARY_ALL(logical_not, LogicalNot)
UNARY_ALL(clamp, Clamp)
UNARY_ALL(affine, Affine)

// ---- binary: arithmetic gives T, predicates give bool (u8 0/1) ----
#define BINARY_OP(Name, R, expr) \
    struct Name { \
        template <typename T> __device__ static __forceinline__ R f(T a, T b) { return expr; } \
    };
BINARY_OP(Add, T, add_<T>(a, b))
BINARY_OP(Sub, T, sub_<T>(a, b))
BINARY_OP(Mul, T, mul_<T>(a, b))
BINARY_OP(Div, T, div_<T>(a, b))
BINARY_OP(Pow, T, pow_<T>(a, b))
BINARY_OP(Maximum, T, max_nan<T>(a, b))
BINARY_OP(Minimum, T, min_nan<T>(a, b))
BINARY_OP(Eq, u8, (u8)(a == b))
BINARY_OP(Ne, u8, (u8)(a != b))
BINARY_OP(Lt, u8, (u8)(a < b))
BINARY_OP(Le, u8, (u8)(a <= b))
BINARY_OP(Gt, u8, (u8)(a > b))
BINARY_OP(Ge, u8, (u8)(a >= b))
BINARY_OP(And, u8, (u8)((a != (T)0) && (b != (T)0)))
BINARY_OP(Or, u8, (u8)((a != (T)0) || (b != (T)0)))
BINARY_OP(Xor, u8, (u8)((a != (T)0) != (b != (T)0)))

#define BINARY_KERNEL(name, Op, R, tn, T) \
    extern "C" __global__ void binary_##name##_##tn(u64 n, R* out, const T* a, Strided la, const T* b, Strided lb) { \
        GRID_STRIDE(i, n) out[i] = Op::f<T>(a[at(la, i)], b[at(lb, i)]); \
    }
#define BINARY_ARITH(name, Op) \
    BINARY_KERNEL(name, Op, float, f32, float) BINARY_KERNEL(name, Op, double, f64, double) \
    BINARY_KERNEL(name, Op, i64, i64, i64) BINARY_KERNEL(name, Op, u8, u8, u8)
#define BINARY_PRED(name, Op) \
    BINARY_KERNEL(name, Op, u8, f32, float) BINARY_KERNEL(name, Op, u8, f64, double) \
    BINARY_KERNEL(name, Op, u8, i64, i64) BINARY_KERNEL(name, Op, u8, u8, u8)

BINARY_ARITH(add, Add)
BINARY_ARITH(sub, Sub)
BINARY_ARITH(mul, Mul)
BINARY_ARITH(div, Div)
BINARY_ARITH(pow, Pow)
BINARY_ARITH(maximum, Maximum)
BINARY_ARITH(minimum, Minimum)
BINARY_PRED(eq, Eq)
BINARY_PRED(ne, Ne)
BINARY_PRED(lt, Lt)
BINARY_PRED(le, Le)
BINARY_PRED(gt, Gt)
BINARY_PRED(ge, Ge)
BINARY_PRED(and, And)
BINARY_PRED(or, Or)
BINARY_PRED(xor, Xor)

// ---- in place through a strided destination: d = d op b, and d = a * b + d ----
#define INPLACE_KERNEL(name, Op, tn, T) \
    extern "C" __global__ void inplace_##name##_##tn(u64 n, T* d, Strided ld, const T* b, Strided lb) { \
        GRID_STRIDE(i, n) { \
            u64 o = at(ld, i); \
            d[o] = Op::f<T>(d[o], b[at(lb, i)]); \
        } \
    }
#define INPLACE_ALL(name, Op) \
    INPLACE_KERNEL(name, Op, f32, float) INPLACE_KERNEL(name, Op, f64, double) \
    INPLACE_KERNEL(name, Op, i64, i64) INPLACE_KERNEL(name, Op, u8, u8)
INPLACE_ALL(add, Add)
INPLACE_ALL(sub, Sub)
INPLACE_ALL(mul, Mul)
INPLACE_ALL(div, Div)
INPLACE_ALL(pow, Pow)
INPLACE_ALL(maximum, Maximum)
INPLACE_ALL(minimum, Minimum)

#define FMA_KERNEL(tn, T) \
    extern "C" __global__ void mul_add_##tn(u64 n, T* d, Strided ld, const T* a, Strided la, const T* b, Strided lb) { \
        GRID_STRIDE(i, n) { \
            u64 o = at(ld, i); \
            d[o] = fma_<T>(a[at(la, i)], b[at(lb, i)], d[o]); \
        } \
    }
FOR_EACH_TYPE(FMA_KERNEL)

// ---- where, copies, fills ----
#define WHERE_KERNEL(tn, T) \
    extern "C" __global__ void where_##tn(u64 n, T* out, const u8* c, Strided lc, const T* t, Strided lt, const T* f, Strided lf) { \
        GRID_STRIDE(i, n) out[i] = c[at(lc, i)] ? t[at(lt, i)] : f[at(lf, i)]; \
    }
FOR_EACH_TYPE(WHERE_KERNEL)

// d[ld(i)] = s[ls(i)]: a contiguous copy of a view (ld dense) or a write into a view.
#define COPY_KERNEL(tn, T) \
    extern "C" __global__ void copy_##tn(u64 n, T* d, Strided ld, const T* s, Strided ls) { \
        GRID_STRIDE(i, n) d[at(ld, i)] = s[at(ls, i)]; \
    }
FOR_EACH_TYPE(COPY_KERNEL)

#define FILL_KERNEL(tn, T) \
    extern "C" __global__ void fill_##tn(u64 n, T* d, Strided ld, T v) { \
        GRID_STRIDE(i, n) d[at(ld, i)] = v; \
    }
FOR_EACH_TYPE(FILL_KERNEL)

// ---- casts, as the CPU's: to a float through f64, to bool "nonzero", float to integer
// truncates toward zero (saturating into i64, then wrapping into u8), integer to integer wraps ----
template <typename O, typename I> __device__ __forceinline__ O cast_(I x);
#define CAST_TO_FLOAT(O) \
    template <> __device__ __forceinline__ O cast_<O, float>(float x) { return (O)(double)x; } \
    template <> __device__ __forceinline__ O cast_<O, double>(double x) { return (O)x; } \
    template <> __device__ __forceinline__ O cast_<O, i64>(i64 x) { return (O)(double)x; } \
    template <> __device__ __forceinline__ O cast_<O, u8>(u8 x) { return (O)(double)x; }
CAST_TO_FLOAT(float)
CAST_TO_FLOAT(double)
#define CAST_TO_INT(O) \
    template <> __device__ __forceinline__ O cast_<O, float>(float x) { return (O)from_f64<i64>((double)x); } \
    template <> __device__ __forceinline__ O cast_<O, double>(double x) { return (O)from_f64<i64>(x); } \
    template <> __device__ __forceinline__ O cast_<O, i64>(i64 x) { return (O)x; } \
    template <> __device__ __forceinline__ O cast_<O, u8>(u8 x) { return (O)x; }
CAST_TO_INT(i64)
CAST_TO_INT(u8)

#define CAST_KERNEL(itn, I, otn, O) \
    extern "C" __global__ void cast_##itn##_##otn(u64 n, O* out, const I* x, Strided lx) { \
        GRID_STRIDE(i, n) out[i] = cast_<O, I>(x[at(lx, i)]); \
    }
#define CAST_BOOL_KERNEL(itn, I) \
    extern "C" __global__ void cast_##itn##_bool(u64 n, u8* out, const I* x, Strided lx) { \
        GRID_STRIDE(i, n) out[i] = (u8)(x[at(lx, i)] != (I)0); \
    }
#define CAST_FROM(itn, I) \
    CAST_KERNEL(itn, I, f32, float) CAST_KERNEL(itn, I, f64, double) CAST_KERNEL(itn, I, i64, i64) \
    CAST_KERNEL(itn, I, u8, u8) CAST_BOOL_KERNEL(itn, I)
FOR_EACH_TYPE(CAST_FROM)
