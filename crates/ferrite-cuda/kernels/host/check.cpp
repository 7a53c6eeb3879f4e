// Runs kernels/*.cu on the host (see emu.h) against reference results and the CPU backend's
// semantics (Rust `as` casts, wrapping integers, NaN rules, first-index ties). Built and run by
// tests/host_emulation.rs with the system C++20 compiler; exits non-zero on a failure.
#include "emu.h"
#include "../elementwise.cu"
#include "../reduce.cu"
#include "../index.cu"
#include "../matmul.cu"
#include <cstdio>
#include <vector>
#include <cstdint>
#include <limits>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

Strided mk(std::vector<u64> dims, std::vector<u64> strides, u64 off = 0) {
    Strided s{}; s.rank = dims.size(); s.offset = off;
    for (int i = 0; i < 8; i++) { s.dims[i] = 1; s.strides[i] = 0; }
    for (size_t i = 0; i < dims.size(); i++) { s.dims[i] = dims[i]; s.strides[i] = strides[i]; }
    return s;
}

int main() {
    // `at`: the 32-bit path, a dim too large for it, and the 64-bit path
    {
        Strided l = mk({3, 5, 7}, {1, 3, 15}, 2);
        for (u64 i = 0; i < 105; i++) CHECK(at(l, i) == 2 + (i / 35) + ((i / 7) % 5) * 3 + (i % 7) * 15, "at %llu", i);
        Strided huge = mk({2, 1ull << 33}, {1, 3});
        CHECK(at(huge, 5) == 15, "at with a dim over 2^32");
        CHECK(at(huge, (1ull << 33) + 5) == 1 + 15, "at past 2^32");
    }
    // binary add with a broadcast row over a transposed matrix
    {
        std::vector<float> a(12), b(4), out(12);
        for (int i = 0; i < 12; i++) a[i] = i;           // storage [4,3], viewed transposed as [3,4]
        for (int i = 0; i < 4; i++) b[i] = 100 * i;
        binary_add_f32(12, out.data(), a.data(), mk({3, 4}, {1, 3}), b.data(), mk({3, 4}, {0, 1}));
        for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++)
            CHECK(out[r * 4 + c] == a[c * 3 + r] + b[c], "add[%d,%d]=%f", r, c, out[r * 4 + c]);
        std::vector<u8> p(12);
        binary_lt_f32(12, p.data(), a.data(), mk({3, 4}, {1, 3}), b.data(), mk({3, 4}, {0, 1}));
        for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++)
            CHECK(p[r * 4 + c] == (a[c * 3 + r] < b[c]), "lt");
    }
    // integer semantics: division by zero, MIN / -1, pow, wrapping
    {
        i64 a[4] = {7, (i64)0x8000000000000000ull, -7, 3}, b[4] = {0, -1, 2, 40}, o[4];
        binary_div_i64(4, o, a, mk({4}, {1}), b, mk({4}, {1}));
        CHECK(o[0] == 0 && o[1] == (i64)0x8000000000000000ull && o[2] == -3, "div_i64 %lld %lld %lld", o[0], o[1], o[2]);
        binary_pow_i64(4, o, a, mk({4}, {1}), b, mk({4}, {1}));
        CHECK(o[0] == 1 && o[2] == 49, "pow_i64 %lld %lld", o[0], o[2]);
        i64 neg[1] = {-2}, o1[1];
        binary_pow_i64(1, o1, a, mk({1}, {1}), neg, mk({1}, {1}));
        CHECK(o1[0] == 0, "pow negative exponent");
        u8 x[2] = {250, 3}, y[2] = {10, 0}, z[2];
        binary_add_u8(2, z, x, mk({2}, {1}), y, mk({2}, {1}));
        CHECK(z[0] == 4 && z[1] == 3, "u8 wraps %d", z[0]);
        binary_div_u8(2, z, x, mk({2}, {1}), y, mk({2}, {1}));
        CHECK(z[0] == 25 && z[1] == 0, "u8 div");
    }
    // unary: NaN handling, clamp, affine, sign, powf
    {
        float x[5] = {-1.5f, 0.f, -0.f, NAN, 2.f}, o[5];
        unary_relu_f32(5, o, x, mk({5}, {1}), 0, 0, 0);
        CHECK(o[0] == 0 && isnan(o[3]) && o[4] == 2, "relu");
        unary_sign_f32(5, o, x, mk({5}, {1}), 0, 0, 0);
        CHECK(o[0] == -1 && o[1] == 0 && !signbit(o[2]) && o[3] == 0 && o[4] == 1, "sign %f %f", o[2], o[3]);
        unary_clamp_f32(5, o, x, mk({5}, {1}), -1.0, 0.0, 1);
        CHECK(o[0] == -1 && o[4] == 2 && isnan(o[3]), "clamp lo only");
        unary_clamp_f32(5, o, x, mk({5}, {1}), -1.0, 1.0, 3);
        CHECK(o[0] == -1 && o[4] == 1, "clamp both");
        unary_affine_f32(5, o, x, mk({5}, {1}), 2.0, 0.0, 0);
        CHECK(signbit(o[2]) && o[4] == 4, "affine scale keeps -0");
        unary_affine_f32(5, o, x, mk({5}, {1}), 2.0, 1.0, 0);
        CHECK(o[4] == 5 && o[0] == -2, "affine");
        unary_powf_f32(5, o, x, mk({5}, {1}), 2.0, 0, 0);
        CHECK(o[0] == 2.25f && o[4] == 4, "powf 2");
        unary_sigmoid_f32(5, o, x, mk({5}, {1}), 0, 0, 0);
        CHECK(fabsf(o[1] - 0.5f) < 1e-7, "sigmoid");
        u8 u[3] = {0, 5, 200}, uo[3];
        unary_clamp_u8(3, uo, u, mk({3}, {1}), 3.0, 100.0, 3);
        CHECK(uo[0] == 3 && uo[1] == 5 && uo[2] == 100, "clamp u8");
        unary_neg_u8(3, uo, u, mk({3}, {1}), 0, 0, 0);
        CHECK(uo[1] == 251, "neg u8");
        unary_logical_not_u8(3, uo, u, mk({3}, {1}), 0, 0, 0);
        CHECK(uo[0] == 1 && uo[1] == 0, "logical_not");
        i64 iv[2] = {-3, 4}, io[2];
        unary_affine_i64(2, io, iv, mk({2}, {1}), 1.0, 2.0, 0);
        CHECK(io[0] == -1 && io[1] == 6, "affine i64 shift");
        unary_abs_i64(2, io, iv, mk({2}, {1}), 0, 0, 0);
        CHECK(io[0] == 3, "abs i64");
    }
    // casts (Rust `as` semantics)
    {
        float f[5] = {-1.5f, 300.7f, NAN, 2.9f, -300.f};
        u8 u[5]; i64 l[5]; u8 bo[5];
        cast_f32_u8(5, u, f, mk({5}, {1}));
        CHECK(u[0] == 255 && u[1] == 44 && u[2] == 0 && u[3] == 2 && u[4] == 212, "f32->u8 %d %d %d %d %d", u[0], u[1], u[2], u[3], u[4]);
        cast_f32_i64(5, l, f, mk({5}, {1}));
        CHECK(l[0] == -1 && l[1] == 300 && l[2] == 0, "f32->i64");
        cast_f32_bool(5, bo, f, mk({5}, {1}));
        CHECK(bo[0] == 1 && bo[2] == 1, "f32->bool (NaN is true)");
        double big[2] = {1e30, -1e30}; i64 bl[2];
        cast_f64_i64(2, bl, big, mk({2}, {1}));
        CHECK(bl[0] == std::numeric_limits<i64>::max() && bl[1] == std::numeric_limits<i64>::min(), "saturate");
        i64 w[2] = {257, -1}; u8 wu[2]; float wf[2];
        cast_i64_u8(2, wu, w, mk({2}, {1}));
        CHECK(wu[0] == 1 && wu[1] == 255, "i64->u8 wraps");
        i64 odd[1] = {(1ll << 53) + 1};
        cast_i64_f32(1, wf, odd, mk({1}, {1}));
        CHECK(wf[0] == (float)(double)odd[0], "i64->f32 through f64");
    }
    // in place through a strided destination, fma, fill, copy, where
    {
        float d[6] = {1, 2, 3, 4, 5, 6}, b[3] = {10, 20, 30};
        inplace_add_f32(3, d, mk({3}, {2}), b, mk({3}, {1}));
        CHECK(d[0] == 11 && d[1] == 2 && d[2] == 23 && d[4] == 35, "inplace strided");
        float a2[1] = {2};
        mul_add_f32(3, d, mk({3}, {2}, 1), a2, mk({3}, {0}), b, mk({3}, {1}));
        CHECK(d[1] == 22 && d[3] == 44 && d[5] == 66, "mul_add %f %f %f", d[1], d[3], d[5]);
        fill_f32(2, d, mk({2}, {3}, 1), -1.f);
        CHECK(d[1] == -1 && d[4] == -1 && d[2] == 23, "fill");
        float src[6] = {0, 1, 2, 3, 4, 5}, dst[6];
        copy_f32(6, dst, mk({6}, {1}), src, mk({2, 3}, {1, 2}));
        CHECK(dst[0] == 0 && dst[1] == 2 && dst[2] == 4 && dst[3] == 1, "copy transposed");
        u8 c[2] = {1, 0}; float t[2] = {1, 2}, f2[1] = {9}, o[2];
        where_f32(2, o, c, mk({2}, {1}), t, mk({2}, {1}), f2, mk({2}, {0}));
        CHECK(o[0] == 1 && o[1] == 9, "where");
    }
    // reductions: dims, parts, NaN, argmax ties and NaN, empty rows
    {
        // [2, 3, 4] reduce dims {1}: outer = kept (0, 2) in order, inner = dim 1.
        std::vector<float> x(24); for (int i = 0; i < 24; i++) x[i] = (i * 7 % 11) - 5;
        std::vector<float> o(8);
        reduce_sum_f32(o.data(), x.data(), mk({2, 4}, {12, 1}), mk({3}, {4}), 8, 3, 1);
        for (int a = 0; a < 2; a++) for (int c = 0; c < 4; c++) {
            float s = 0; for (int b = 0; b < 3; b++) s += x[a * 12 + b * 4 + c];
            CHECK(o[a * 4 + c] == s, "sum dim1 [%d,%d]", a, c);
        }
        std::vector<float> big(10000); double want = 0;
        for (int i = 0; i < 10000; i++) { big[i] = (i % 13) * 0.5f; want += big[i]; }
        std::vector<float> parts(4), one(1);
        reduce_sum_f32(parts.data(), big.data(), mk({1}, {0}), mk({10000}, {1}), 1, 10000, 4);
        reduce_sum_f32(one.data(), parts.data(), mk({1}, {4}), mk({4}, {1}), 1, 4, 1);
        CHECK(one[0] == (float)want, "two-pass sum %f vs %f", one[0], want);
        float m[5] = {1, NAN, 3, 3, -1}; float mo[1]; i64 ai[1];
        reduce_max_f32(mo, m, mk({1}, {0}), mk({5}, {1}), 1, 5, 1);
        CHECK(isnan(mo[0]), "max NaN");
        reduce_argmax_f32(ai, m, mk({1}, {0}), mk({5}, {1}), 1, 5);
        CHECK(ai[0] == 1, "argmax NaN wins");
        float t[5] = {1, 3, 3, -1, -1};
        reduce_argmax_f32(ai, t, mk({1}, {0}), mk({5}, {1}), 1, 5);
        CHECK(ai[0] == 1, "argmax first tie");
        reduce_argmin_f32(ai, t, mk({1}, {0}), mk({5}, {1}), 1, 5);
        CHECK(ai[0] == 3, "argmin first tie");
        float e[1]; float po[2];
        reduce_prod_f32(po, e, mk({2}, {0}), mk({0}, {1}), 2, 0, 1);
        CHECK(po[0] == 1 && po[1] == 1, "prod over empty");
        u8 ub[3] = {200, 100, 0}; u8 us[1];
        reduce_sum_u8(us, ub, mk({1}, {0}), mk({3}, {1}), 1, 3, 1);
        CHECK(us[0] == 44, "u8 sum wraps");
        reduce_min_u8(us, ub, mk({1}, {0}), mk({3}, {1}), 1, 3, 1);
        CHECK(us[0] == 0, "u8 min");
    }
    // cumsum along dim 0 of a [3, 2] matrix: permuted so dim 0 is last ([2, 3] strides (1, 2))
    {
        float x[6] = {1, 2, 3, 4, 5, 6}, o[6];
        cumsum_f32(o, x, mk({2, 3}, {1, 2}), 2, 3, 2);
        float want[6] = {1, 2, 4, 6, 9, 12};
        for (int i = 0; i < 6; i++) CHECK(o[i] == want[i], "cumsum[%d]=%f", i, o[i]);
        float z[2] = {-0.f, 1}, zo[2];
        cumsum_f32(zo, z, mk({2}, {1}), 1, 2, 1);
        CHECK(signbit(zo[0]), "cumsum keeps -0 first");
    }
    // indexing
    {
        int err = 0;
        float x[12]; for (int i = 0; i < 12; i++) x[i] = i;   // [3, 4]
        i64 ids[3] = {2, -1, 0}; float o[12];
        // index_select dim 1 with ids -> [3, 3]
        index_select_f32(9, o, x, mk({3, 3}, {4, 1}), ids, mk({3}, {1}), 1, 4, &err);
        CHECK(o[0] == 2 && o[1] == 3 && o[2] == 0 && o[3] == 6 && err == 0, "index_select dim1");
        index_select_f32(12, o, x, mk({3, 4}, {4, 1}), ids, mk({3}, {1}), 0, 3, &err);
        CHECK(o[0] == 8 && o[4] == 8 && o[8] == 0 && err == 0, "index_select dim0 %f %f", o[0], o[4]);
        i64 bad[1] = {5};
        index_select_f32(3, o, x, mk({3, 1}, {4, 1}), bad, mk({1}, {1}), 1, 4, &err);
        CHECK(err == ERR_INDEX_SELECT && o[0] == 0, "oob raises");
        err = 0;
        // gather dim 1 with a [3, 2] index
        i64 g[6] = {0, 3, 1, 1, -1, 2}; float go[6];
        gather_f32(6, go, x, mk({3, 4}, {4, 1}), g, mk({3, 2}, {2, 1}), 1, &err);
        float gw[6] = {0, 3, 5, 5, 11, 10};
        for (int i = 0; i < 6; i++) CHECK(go[i] == gw[i], "gather[%d]=%f", i, go[i]);
        // scatter_add is gather's adjoint
        float acc[12] = {0}; float ones[6] = {1, 1, 1, 1, 1, 1};
        scatter_add_f32(6, acc, mk({3, 4}, {4, 1}), g, mk({3, 2}, {2, 1}), ones, mk({6}, {1}), 1, &err);
        CHECK(acc[0] == 1 && acc[3] == 1 && acc[5] == 2 && acc[11] == 1 && acc[10] == 1 && err == 0, "scatter_add");
        // index_add dim 0: src [2, 4] rows added to rows ids2
        i64 ids2[2] = {2, 2}; float src[8]; for (int i = 0; i < 8; i++) src[i] = 1 + i;
        float d[12] = {0};
        index_add_f32(8, d, mk({3, 4}, {4, 1}), ids2, mk({2}, {1}), src, mk({2, 4}, {4, 1}), 0, &err);
        CHECK(d[8] == 1 + 5 && d[11] == 4 + 8 && d[0] == 0 && err == 0, "index_add");
    }
    // integer matmul with a transposed operand
    {
        i64 a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 2, 1, 0, 3}, o[4];   // a [2,3]; b stored [2,3] viewed as [3,2]
        matmul_i64(o, a, mk({1, 2, 3}, {0, 3, 1}), b, mk({1, 3, 2}, {0, 1, 3}), 1, 2, 2, 3);
        // b^T = [[1,1],[0,0],[2,3]]
        CHECK(o[0] == 1 + 6 && o[1] == 1 + 9 && o[2] == 4 + 12 && o[3] == 4 + 18, "matmul %lld %lld %lld %lld", o[0], o[1], o[2], o[3]);
    }
    // The same kernels as real grids: block trees, rows spread over blocks, parts, atomics.
    {
        unsigned seed = 12345;
        auto next = [&] { seed = seed * 1103515245u + 12345u; return (seed >> 16) & 0x7fff; };
        const int M = 5, K = 1000;
        std::vector<float> x(M * K);
        for (auto& v : x) v = (float)(next() % 17) - 8;   // small integers: sums are exact in any order
        for (unsigned block : {32u, 64u, 256u}) for (unsigned grid : {1u, 2u, 5u}) {
            std::vector<float> o(M, -99);
            emu_launch(grid, block, [&] { reduce_sum_f32(o.data(), x.data(), mk({M}, {K}), mk({K}, {1}), M, K, 1); });
            for (int r = 0; r < M; r++) {
                float s = 0; for (int j = 0; j < K; j++) s += x[r * K + j];
                CHECK(o[r] == s, "parallel sum block %u grid %u row %d: %f vs %f", block, grid, r, o[r], s);
            }
            std::vector<float> parts(M * 3, -99), two(M, -99);
            emu_launch(grid, block, [&] { reduce_max_f32(parts.data(), x.data(), mk({M}, {K}), mk({K}, {1}), M, K, 3); });
            emu_launch(1, 32, [&] { reduce_max_f32(two.data(), parts.data(), mk({M}, {3}), mk({3}, {1}), M, 3, 1); });
            for (int r = 0; r < M; r++) {
                float m = -INFINITY; for (int j = 0; j < K; j++) m = std::max(m, x[r * K + j]);
                CHECK(two[r] == m, "parallel max in parts block %u row %d", block, r);
            }
        }
        // argmax/argmin: first index of the extremum, NaN first; ties and NaNs spread over threads.
        for (int trial = 0; trial < 20; trial++) {
            std::vector<float> y(K);
            for (auto& v : y) v = (float)(next() % 5);
            if (trial % 3 == 1) y[next() % K] = NAN;
            if (trial % 3 == 2) { y[700] = NAN; y[300 + trial] = NAN; }
            for (bool is_max : {true, false}) {
                i64 want = 0;
                for (int j = 1; j < K; j++) {
                    float b = y[want], v = y[j];
                    if (isnan(b)) break;
                    if (isnan(v) || (is_max ? v > b : v < b)) want = j;
                }
                for (unsigned block : {32u, 256u}) {
                    i64 got = -1;
                    emu_launch(1, block, [&] {
                        if (is_max) reduce_argmax_f32(&got, y.data(), mk({1}, {0}), mk({K}, {1}), 1, K);
                        else reduce_argmin_f32(&got, y.data(), mk({1}, {0}), mk({K}, {1}), 1, K);
                    });
                    CHECK(got == want, "arg%s trial %d block %u: %lld vs %lld", is_max ? "max" : "min", trial, block, got, want);
                }
            }
        }
        // elementwise grid-stride loops over several blocks, and atomics from many threads
        std::vector<float> a(1000), out(1000);
        for (int i = 0; i < 1000; i++) a[i] = i;
        emu_launch(3, 64, [&] { unary_neg_f32(1000, out.data(), a.data(), mk({1000}, {1}), 0, 0, 0); });
        bool all = true; for (int i = 0; i < 1000; i++) all &= out[i] == -a[i];
        CHECK(all, "grid-stride neg");
        std::vector<i64> ids(1000); for (int i = 0; i < 1000; i++) ids[i] = i % 7;
        std::vector<float> ones(1000, 1.f), bins(7, 0.f); int err = 0;
        emu_launch(2, 128, [&] {
            scatter_add_f32(1000, bins.data(), mk({7}, {1}), ids.data(), mk({1000}, {1}), ones.data(), mk({1000}, {1}), 0, &err);
        });
        for (int b = 0; b < 7; b++) CHECK(bins[b] == (float)(1000 / 7 + (b < 1000 % 7)), "atomic bin %d = %f", b, bins[b]);
    }
    printf(failures ? "%d FAILURES\n" : "all host checks passed\n", failures);
    return failures != 0;
}
