;; The per-parameter kernel. Noise: Philox4x32-10 on four blocks per i32x4 (one block per
;; lane), then the Gaussian, uniform or Rademacher transform, bit-identical to
;; scalar-backend.ts. Arithmetic: the elementwise steps of optimisers and estimators on
;; chunks of float32 arrays, bit-identical to scalar-vector.ts. Plain IEEE SIMD (no relaxed
;; SIMD, no fused multiply-add), each operation in the scalar order. Assembled by
;; scripts/build-wasm.mjs into wasm-kernel-bytes.ts.
(module
  ;; Bytes 0-59: gaussian.ts GAUSSIAN_CONSTANTS, written by the loader. Bytes 64-127: the
  ;; eight float64 accumulators of `applied`. Bytes 1024-1535: Rademacher words. Bytes
  ;; 2048-18431: noise output chunk of 4096 float32. From byte 18432: eight slots of 4096
  ;; float32 for the arithmetic kernels (wasm-backend.ts), each small enough for L1, then
  ;; two more where `applied` stores copies nobody asked for.
  (memory (export "memory") 3)

  ;; Writes `batches` × 64 Philox words to dst: the word stream of scalar-backend.ts for
  ;; blocks ctr.. (ctr = ctrLo + 2^32·ctrHi, a multiple of 16) of stream (key, domain).
  ;; A batch is 16 blocks, four groups (a, b, c, d) of four, interleaved so that each
  ;; group's multiplies hide behind the others'.
  (func (export "philox")
    (param $dst i32) (param $batches i32) (param $ctrLo i32) (param $ctrHi i32)
    (param $domain i32) (param $key0 i32) (param $key1 i32)
    (local $end i32) (local $round i32) (local $y0 i32) (local $y1 i32) (local $product i64)
    (local $m0 v128) (local $m1 v128) (local $k0 v128) (local $k1 v128) (local $ctr v128)
    (local $r2x0 v128) (local $r2x2 v128) (local $r2x3 v128) (local $h0 v128) (local $h1 v128) (local $x v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local.set $m0 (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53))
    (local.set $m1 (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $batches) (i32.const 8))))
    (loop $batch
      ;; A round maps (x0, x1, x2, x3) to (hi(M1·x2) ^ x1 ^ k0, lo(M1·x2), hi(M0·x0) ^ x3 ^ k1, lo(M0·x0)).
      ;; Counter words x1 = ctrHi, x2 = domain, x3 = 0 are the same in every lane, so round 1
      ;; gives lane-invariant x0, x1 (scalar y0, y1) and round 2 multiplies only x2 per lane.
      (local.set $product (i64.mul (i64.const 0xcd9e8d57) (i64.extend_i32_u (local.get $domain))))
      (local.set $y0 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $product) (i64.const 32)))
        (local.get $ctrHi)) (local.get $key0)))
      (local.set $y1 (i32.wrap_i64 (local.get $product)))
      (local.set $product (i64.mul (i64.const 0xd2511f53) (i64.extend_i32_u (local.get $y0))))
      ;; round-2 terms: y1 ^ k0, hi(M0·y0) ^ k1 and lo(M0·y0), with round-2 keys
      (local.set $r2x0 (i32x4.splat (i32.xor (local.get $y1) (i32.add (local.get $key0) (i32.const 0x9e3779b9)))))
      (local.set $r2x2 (i32x4.splat (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $product) (i64.const 32)))
        (i32.add (local.get $key1) (i32.const 0xbb67ae85)))))
      (local.set $r2x3 (i32x4.splat (i32.wrap_i64 (local.get $product))))
      (local.set $ctr (i32x4.splat (local.get $ctrLo)))
      (local.set $k1 (i32x4.splat (local.get $key1)))
      (local.set $x (i32x4.add (local.get $ctr) (v128.const i32x4 0 1 2 3)))
      (local.set $a3 (i32x4.mul (local.get $x) (local.get $m0)))
      (local.set $a2 (v128.xor (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $x) (local.get $m0)) (i64x2.extmul_high_i32x4_u (local.get $x) (local.get $m0))) (local.get $k1)))
      (local.set $a0 (v128.xor (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $a2) (local.get $m1)) (i64x2.extmul_high_i32x4_u (local.get $a2) (local.get $m1))) (local.get $r2x0)))
      (local.set $a1 (i32x4.mul (local.get $a2) (local.get $m1)))
      (local.set $a2 (v128.xor (local.get $a3) (local.get $r2x2)))
      (local.set $a3 (local.get $r2x3))
      (local.set $x (i32x4.add (local.get $ctr) (v128.const i32x4 4 5 6 7)))
      (local.set $b3 (i32x4.mul (local.get $x) (local.get $m0)))
      (local.set $b2 (v128.xor (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $x) (local.get $m0)) (i64x2.extmul_high_i32x4_u (local.get $x) (local.get $m0))) (local.get $k1)))
      (local.set $b0 (v128.xor (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $b2) (local.get $m1)) (i64x2.extmul_high_i32x4_u (local.get $b2) (local.get $m1))) (local.get $r2x0)))
      (local.set $b1 (i32x4.mul (local.get $b2) (local.get $m1)))
      (local.set $b2 (v128.xor (local.get $b3) (local.get $r2x2)))
      (local.set $b3 (local.get $r2x3))
      (local.set $x (i32x4.add (local.get $ctr) (v128.const i32x4 8 9 10 11)))
      (local.set $c3 (i32x4.mul (local.get $x) (local.get $m0)))
      (local.set $c2 (v128.xor (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $x) (local.get $m0)) (i64x2.extmul_high_i32x4_u (local.get $x) (local.get $m0))) (local.get $k1)))
      (local.set $c0 (v128.xor (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $c2) (local.get $m1)) (i64x2.extmul_high_i32x4_u (local.get $c2) (local.get $m1))) (local.get $r2x0)))
      (local.set $c1 (i32x4.mul (local.get $c2) (local.get $m1)))
      (local.set $c2 (v128.xor (local.get $c3) (local.get $r2x2)))
      (local.set $c3 (local.get $r2x3))
      (local.set $x (i32x4.add (local.get $ctr) (v128.const i32x4 12 13 14 15)))
      (local.set $d3 (i32x4.mul (local.get $x) (local.get $m0)))
      (local.set $d2 (v128.xor (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $x) (local.get $m0)) (i64x2.extmul_high_i32x4_u (local.get $x) (local.get $m0))) (local.get $k1)))
      (local.set $d0 (v128.xor (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $d2) (local.get $m1)) (i64x2.extmul_high_i32x4_u (local.get $d2) (local.get $m1))) (local.get $r2x0)))
      (local.set $d1 (i32x4.mul (local.get $d2) (local.get $m1)))
      (local.set $d2 (v128.xor (local.get $d3) (local.get $r2x2)))
      (local.set $d3 (local.get $r2x3))
      ;; rounds 3-10, keys advanced by two Weyl steps
      (local.set $k0 (i32x4.splat (i32.add (local.get $key0) (i32.const 0x3c6ef372))))
      (local.set $k1 (i32x4.splat (i32.add (local.get $key1) (i32.const 0x76cf5d0a))))
      (local.set $round (i32.const 8))
      (loop $rounds
        ;; high words gathered from the 64-bit products of lanes 0,1 and 2,3
        (local.set $h0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $a0) (local.get $m0)) (i64x2.extmul_high_i32x4_u (local.get $a0) (local.get $m0))))
        (local.set $h1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $a2) (local.get $m1)) (i64x2.extmul_high_i32x4_u (local.get $a2) (local.get $m1))))
        (local.set $x (i32x4.mul (local.get $a2) (local.get $m1)))
        (local.set $a2 (v128.xor (v128.xor (local.get $h0) (local.get $a3)) (local.get $k1)))
        (local.set $a3 (i32x4.mul (local.get $a0) (local.get $m0)))
        (local.set $a0 (v128.xor (v128.xor (local.get $h1) (local.get $a1)) (local.get $k0)))
        (local.set $a1 (local.get $x))
        (local.set $h0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $b0) (local.get $m0)) (i64x2.extmul_high_i32x4_u (local.get $b0) (local.get $m0))))
        (local.set $h1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $b2) (local.get $m1)) (i64x2.extmul_high_i32x4_u (local.get $b2) (local.get $m1))))
        (local.set $x (i32x4.mul (local.get $b2) (local.get $m1)))
        (local.set $b2 (v128.xor (v128.xor (local.get $h0) (local.get $b3)) (local.get $k1)))
        (local.set $b3 (i32x4.mul (local.get $b0) (local.get $m0)))
        (local.set $b0 (v128.xor (v128.xor (local.get $h1) (local.get $b1)) (local.get $k0)))
        (local.set $b1 (local.get $x))
        (local.set $h0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $c0) (local.get $m0)) (i64x2.extmul_high_i32x4_u (local.get $c0) (local.get $m0))))
        (local.set $h1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $c2) (local.get $m1)) (i64x2.extmul_high_i32x4_u (local.get $c2) (local.get $m1))))
        (local.set $x (i32x4.mul (local.get $c2) (local.get $m1)))
        (local.set $c2 (v128.xor (v128.xor (local.get $h0) (local.get $c3)) (local.get $k1)))
        (local.set $c3 (i32x4.mul (local.get $c0) (local.get $m0)))
        (local.set $c0 (v128.xor (v128.xor (local.get $h1) (local.get $c1)) (local.get $k0)))
        (local.set $c1 (local.get $x))
        (local.set $h0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $d0) (local.get $m0)) (i64x2.extmul_high_i32x4_u (local.get $d0) (local.get $m0))))
        (local.set $h1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $d2) (local.get $m1)) (i64x2.extmul_high_i32x4_u (local.get $d2) (local.get $m1))))
        (local.set $x (i32x4.mul (local.get $d2) (local.get $m1)))
        (local.set $d2 (v128.xor (v128.xor (local.get $h0) (local.get $d3)) (local.get $k1)))
        (local.set $d3 (i32x4.mul (local.get $d0) (local.get $m0)))
        (local.set $d0 (v128.xor (v128.xor (local.get $h1) (local.get $d1)) (local.get $k0)))
        (local.set $d1 (local.get $x))
        (local.set $k0 (i32x4.add (local.get $k0) (v128.const i32x4 0x9e3779b9 0x9e3779b9 0x9e3779b9 0x9e3779b9)))
        (local.set $k1 (i32x4.add (local.get $k1) (v128.const i32x4 0xbb67ae85 0xbb67ae85 0xbb67ae85 0xbb67ae85)))
        (br_if $rounds (local.tee $round (i32.sub (local.get $round) (i32.const 1)))))
      (v128.store offset=0 (local.get $dst) (local.get $a0))
      (v128.store offset=16 (local.get $dst) (local.get $a1))
      (v128.store offset=32 (local.get $dst) (local.get $a2))
      (v128.store offset=48 (local.get $dst) (local.get $a3))
      (v128.store offset=64 (local.get $dst) (local.get $b0))
      (v128.store offset=80 (local.get $dst) (local.get $b1))
      (v128.store offset=96 (local.get $dst) (local.get $b2))
      (v128.store offset=112 (local.get $dst) (local.get $b3))
      (v128.store offset=128 (local.get $dst) (local.get $c0))
      (v128.store offset=144 (local.get $dst) (local.get $c1))
      (v128.store offset=160 (local.get $dst) (local.get $c2))
      (v128.store offset=176 (local.get $dst) (local.get $c3))
      (v128.store offset=192 (local.get $dst) (local.get $d0))
      (v128.store offset=208 (local.get $dst) (local.get $d1))
      (v128.store offset=224 (local.get $dst) (local.get $d2))
      (v128.store offset=240 (local.get $dst) (local.get $d3))
      ;; 2^32 is a multiple of 16, so a batch never straddles the carry into ctrHi
      (local.set $ctrLo (i32.add (local.get $ctrLo) (i32.const 16)))
      (local.set $ctrHi (i32.add (local.get $ctrHi) (i32.eqz (local.get $ctrLo))))
      (br_if $batch (i32.ne (local.tee $dst (i32.add (local.get $dst) (i32.const 256))) (local.get $end)))))

  ;; Replaces `units` × 8 words at ptr by normals times scale: words 0-3 are radius words,
  ;; 4-7 angle words; outputs 0-3 are r·cos θ, 4-7 r·sin θ (gaussian.ts, four lanes at once).
  (func (export "gaussian") (param $ptr i32) (param $units i32) (param $scale f32)
    (local $end i32) (local $word v128) (local $t v128) (local $m v128) (local $s v128) (local $z v128)
    (local $p v128) (local $r v128) (local $f v128) (local $f2 v128) (local $sin v128) (local $cos v128)
    (local $scaleV v128) (local $negTwoLn2 v128) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s4 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128)
    (local.set $negTwoLn2 (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $p0 (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $p1 (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $p2 (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $p3 (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $s0 (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $s1 (v128.load32_splat offset=24 (i32.const 0)))
    (local.set $s2 (v128.load32_splat offset=28 (i32.const 0)))
    (local.set $s3 (v128.load32_splat offset=32 (i32.const 0)))
    (local.set $s4 (v128.load32_splat offset=36 (i32.const 0)))
    (local.set $c0 (v128.load32_splat offset=40 (i32.const 0)))
    (local.set $c1 (v128.load32_splat offset=44 (i32.const 0)))
    (local.set $c2 (v128.load32_splat offset=48 (i32.const 0)))
    (local.set $c3 (v128.load32_splat offset=52 (i32.const 0)))
    (local.set $c4 (v128.load32_splat offset=56 (i32.const 0)))
    (local.set $scaleV (f32x4.splat (local.get $scale)))
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $units) (i32.const 5))))
    (loop $unit
      ;; radius from g = 2^31·u = floor(word/2) + ½: subtracting the bits of √½·2^31 leaves
      ;; k in t's exponent field (u = m·2^k, m in [√½, √2)); adding √½'s bits back rebuilds m
      (local.set $word (v128.load (local.get $ptr)))
      (local.set $t (i32x4.sub
        (f32x4.add (f32x4.convert_i32x4_s (i32x4.shr_u (local.get $word) (i32.const 1))) (v128.const f32x4 0.5 0.5 0.5 0.5))
        (v128.const i32x4 0x4eb504f3 0x4eb504f3 0x4eb504f3 0x4eb504f3)))
      (local.set $m (i32x4.add (v128.and (local.get $t) (v128.const i32x4 0x7fffff 0x7fffff 0x7fffff 0x7fffff))
        (v128.const i32x4 0x3f3504f3 0x3f3504f3 0x3f3504f3 0x3f3504f3)))
      (local.set $s (f32x4.div
        (f32x4.sub (local.get $m) (v128.const f32x4 1 1 1 1))
        (f32x4.add (local.get $m) (v128.const f32x4 1 1 1 1))))
      (local.set $z (f32x4.mul (local.get $s) (local.get $s)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p3) (local.get $z)) (local.get $p2)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $p1)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $p0)))
      (local.set $r (f32x4.mul (f32x4.sqrt (f32x4.add
        (f32x4.mul (f32x4.convert_i32x4_s (i32x4.shr_s (local.get $t) (i32.const 23))) (local.get $negTwoLn2))
        (f32x4.mul (local.get $p) (local.get $s)))) (local.get $scaleV)))
      ;; angle: π/2·f with f in [−1, 1) from the signed angle word
      (local.set $f (f32x4.mul (f32x4.convert_i32x4_s (v128.load offset=16 (local.get $ptr)))
        (v128.const f32x4 0x1p-31 0x1p-31 0x1p-31 0x1p-31)))
      (local.set $f2 (f32x4.mul (local.get $f) (local.get $f)))
      (local.set $sin (f32x4.add (f32x4.mul (local.get $s4) (local.get $f2)) (local.get $s3)))
      (local.set $sin (f32x4.add (f32x4.mul (local.get $sin) (local.get $f2)) (local.get $s2)))
      (local.set $sin (f32x4.add (f32x4.mul (local.get $sin) (local.get $f2)) (local.get $s1)))
      (local.set $sin (f32x4.add (f32x4.mul (local.get $sin) (local.get $f2)) (local.get $s0)))
      (local.set $cos (f32x4.add (f32x4.mul (local.get $c4) (local.get $f2)) (local.get $c3)))
      (local.set $cos (f32x4.add (f32x4.mul (local.get $cos) (local.get $f2)) (local.get $c2)))
      (local.set $cos (f32x4.add (f32x4.mul (local.get $cos) (local.get $f2)) (local.get $c1)))
      (local.set $cos (f32x4.add (f32x4.mul (local.get $cos) (local.get $f2)) (local.get $c0)))
      ;; bit 0 of the radius word negates cos, covering the left half-plane
      (v128.store (local.get $ptr) (f32x4.mul (local.get $r)
        (v128.xor (local.get $cos) (i32x4.shl (local.get $word) (i32.const 31)))))
      (v128.store offset=16 (local.get $ptr) (f32x4.mul (local.get $r) (f32x4.mul (local.get $sin) (local.get $f))))
      (br_if $unit (i32.ne (local.tee $ptr (i32.add (local.get $ptr) (i32.const 32))) (local.get $end)))))

  ;; Replaces `vectors` × 4 words at ptr by their top 24 bits scaled to [0, 1).
  (func (export "uniform") (param $ptr i32) (param $vectors i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $vectors) (i32.const 4))))
    (loop $vector
      (v128.store (local.get $ptr) (f32x4.mul
        (f32x4.convert_i32x4_s (i32x4.shr_u (v128.load (local.get $ptr)) (i32.const 8)))
        (v128.const f32x4 0x1p-24 0x1p-24 0x1p-24 0x1p-24)))
      (br_if $vector (i32.ne (local.tee $ptr (i32.add (local.get $ptr) (i32.const 16))) (local.get $end)))))

  ;; Expands `words` words at src into 32 elements each at dst: bit b of a word gives
  ;; −scale if set, +scale if clear.
  (func (export "rademacher") (param $src i32) (param $dst i32) (param $words i32) (param $scale f32)
    (local $end i32) (local $v v128) (local $scaleV v128) (local $sign v128)
    (local.set $scaleV (f32x4.splat (local.get $scale)))
    (local.set $sign (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $words) (i32.const 2))))
    (loop $word
      ;; lane i holds word << (3 − i), so bit 4j + i of the word sits at bit 4j + 3 of lane i
      (local.set $v (i32x4.mul (v128.load32_splat (local.get $src)) (v128.const i32x4 8 4 2 1)))
      (v128.store offset=0 (local.get $dst) (v128.xor (local.get $scaleV) (v128.and (i32x4.shl (local.get $v) (i32.const 28)) (local.get $sign))))
      (v128.store offset=16 (local.get $dst) (v128.xor (local.get $scaleV) (v128.and (i32x4.shl (local.get $v) (i32.const 24)) (local.get $sign))))
      (v128.store offset=32 (local.get $dst) (v128.xor (local.get $scaleV) (v128.and (i32x4.shl (local.get $v) (i32.const 20)) (local.get $sign))))
      (v128.store offset=48 (local.get $dst) (v128.xor (local.get $scaleV) (v128.and (i32x4.shl (local.get $v) (i32.const 16)) (local.get $sign))))
      (v128.store offset=64 (local.get $dst) (v128.xor (local.get $scaleV) (v128.and (i32x4.shl (local.get $v) (i32.const 12)) (local.get $sign))))
      (v128.store offset=80 (local.get $dst) (v128.xor (local.get $scaleV) (v128.and (i32x4.shl (local.get $v) (i32.const 8)) (local.get $sign))))
      (v128.store offset=96 (local.get $dst) (v128.xor (local.get $scaleV) (v128.and (i32x4.shl (local.get $v) (i32.const 4)) (local.get $sign))))
      (v128.store offset=112 (local.get $dst) (v128.xor (local.get $scaleV) (v128.and (local.get $v) (local.get $sign))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
      (br_if $word (i32.ne (local.tee $src (i32.add (local.get $src) (i32.const 4))) (local.get $end)))))

  ;; Arithmetic on slots. Pointers are byte offsets, n counts elements. Float32 values
  ;; meet float64 factors the way TypeScript's Float32Array arithmetic does: promoted,
  ;; combined in float64 and rounded once to float32 on the store. Every kernel steps four
  ;; elements at a time (the float64 ones as two pairs), so it may run up to three
  ;; elements past n: slots hold a multiple of four, and those results are never read.

  ;; p ← p·f
  (func (export "scale") (param $p i32) (param $n i32) (param $f f64)
    (local $end i32) (local $fv v128)
    (local.set $fv (f64x2.splat (local.get $f)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (local.get $fv)))
        (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p))) (local.get $fv)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $step))))

;; θ ← θ + fl32(u·f): an update's last scaling and θ ← θ + u in one pass (u is not kept)
  (func (export "addScaled") (param $theta i32) (param $u i32) (param $n i32) (param $f f64)
    (local $end i32) (local $fv v128)
    (local.set $fv (f64x2.splat (local.get $f)))
    (local.set $end (i32.add (local.get $theta) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $theta) (local.get $end)))
      (v128.store (local.get $theta) (f32x4.add (v128.load (local.get $theta)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $u))) (local.get $fv)))
        (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $u))) (local.get $fv))))))
      (local.set $u (i32.add (local.get $u) (i32.const 16)))
      (local.set $theta (i32.add (local.get $theta) (i32.const 16)))
      (br $step))))

    ;; y ← y + a·x
  (func (export "axpy") (param $y i32) (param $x i32) (param $n i32) (param $a f64)
    (local $end i32) (local $av v128)
    (local.set $av (f64x2.splat (local.get $a)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (v128.store (local.get $y) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $y)))
          (f64x2.mul (local.get $av) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))))
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $y)))
          (f64x2.mul (local.get $av) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $x))))))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $step))))

  ;; dst ← a + b, a − b or a·b in float32 (op 0, 1, 2): one float32 rounding, as in float64
  ;; then rounded (double rounding is innocuous for these operations). The operation is
  ;; chosen once, outside the loop.
  (func (export "binary") (param $dst i32) (param $a i32) (param $b i32) (param $n i32) (param $op i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.eqz (local.get $op)) (then
      (block $done (loop $step
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $step)))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (block $done (loop $step
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $step)))
      (return)))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $step))))

  ;; plus ← θ + o and minus ← θ − o in float32: the two copies of a central pair in one pass
  (func (export "pair") (param $plus i32) (param $minus i32) (param $theta i32) (param $o i32) (param $n i32)
    (local $end i32) (local $t v128) (local $x v128)
    (local.set $end (i32.add (local.get $plus) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $plus) (local.get $end)))
      (local.set $t (v128.load (local.get $theta)))
      (local.set $x (v128.load (local.get $o)))
      (v128.store (local.get $plus) (f32x4.add (local.get $t) (local.get $x)))
      (v128.store (local.get $minus) (f32x4.sub (local.get $t) (local.get $x)))
      (local.set $theta (i32.add (local.get $theta) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $minus (i32.add (local.get $minus) (i32.const 16)))
      (local.set $plus (i32.add (local.get $plus) (i32.const 16)))
      (br $step))))

  ;; p ← min(hi, max(lo, p))
  (func (export "clamp") (param $p i32) (param $n i32) (param $lo f64) (param $hi f64)
    (local $end i32) (local $lov v128) (local $hiv v128)
    (local.set $lov (f64x2.splat (local.get $lo)))
    (local.set $hiv (f64x2.splat (local.get $hi)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.min (local.get $hiv)
          (f64x2.max (local.get $lov) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))))))
        (f32x4.demote_f64x2_zero (f64x2.min (local.get $hiv)
          (f64x2.max (local.get $lov) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p))))))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $step))))

  ;; Adam (adam.ts): m ← b1·μ + b1c·g; v ← b2·ν + (b2c·g)·g; μ ← m; ν ← v;
  ;; u ← (m·c1)/(√(v·c2) + eps), with m and v unrounded in the last line. Four elements a
  ;; step, as two float64 pairs.
  (func (export "adam") (param $u i32) (param $mu i32) (param $nu i32) (param $n i32)
    (param $b1 f64) (param $b1c f64) (param $b2 f64) (param $b2c f64) (param $c1 f64) (param $c2 f64) (param $eps f64)
    (local $end i32) (local $g v128) (local $m v128) (local $v v128) (local $g1 v128) (local $m1 v128) (local $v1 v128)
    (local $b1v v128) (local $b1cv v128) (local $b2v v128) (local $b2cv v128) (local $c1v v128) (local $c2v v128) (local $epsv v128)
    (local.set $b1v (f64x2.splat (local.get $b1)))
    (local.set $b1cv (f64x2.splat (local.get $b1c)))
    (local.set $b2v (f64x2.splat (local.get $b2)))
    (local.set $b2cv (f64x2.splat (local.get $b2c)))
    (local.set $c1v (f64x2.splat (local.get $c1)))
    (local.set $c2v (f64x2.splat (local.get $c2)))
    (local.set $epsv (f64x2.splat (local.get $eps)))
    (local.set $end (i32.add (local.get $u) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $u) (local.get $end)))
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $u))))
      (local.set $g1 (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $u))))
      (local.set $m (f64x2.add (f64x2.mul (local.get $b1v) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $mu))))
        (f64x2.mul (local.get $b1cv) (local.get $g))))
      (local.set $m1 (f64x2.add (f64x2.mul (local.get $b1v) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $mu))))
        (f64x2.mul (local.get $b1cv) (local.get $g1))))
      (local.set $v (f64x2.add (f64x2.mul (local.get $b2v) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $nu))))
        (f64x2.mul (f64x2.mul (local.get $b2cv) (local.get $g)) (local.get $g))))
      (local.set $v1 (f64x2.add (f64x2.mul (local.get $b2v) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $nu))))
        (f64x2.mul (f64x2.mul (local.get $b2cv) (local.get $g1)) (local.get $g1))))
      (v128.store (local.get $mu) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $m)) (f32x4.demote_f64x2_zero (local.get $m1))))
      (v128.store (local.get $nu) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $v)) (f32x4.demote_f64x2_zero (local.get $v1))))
      (v128.store (local.get $u) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.div (f64x2.mul (local.get $m) (local.get $c1v))
          (f64x2.add (f64x2.sqrt (f64x2.mul (local.get $v) (local.get $c2v))) (local.get $epsv))))
        (f32x4.demote_f64x2_zero (f64x2.div (f64x2.mul (local.get $m1) (local.get $c1v))
          (f64x2.add (f64x2.sqrt (f64x2.mul (local.get $v1) (local.get $c2v))) (local.get $epsv))))))
      (local.set $u (i32.add (local.get $u) (i32.const 16)))
      (local.set $mu (i32.add (local.get $mu) (i32.const 16)))
      (local.set $nu (i32.add (local.get $nu) (i32.const 16)))
      (br $step))))

  ;; momentum (momentum.ts): t ← g + β·trace; trace ← t; u ← t (heavy ball) or g + β·t (Nesterov, t unrounded)
  (func (export "momentum") (param $u i32) (param $trace i32) (param $n i32) (param $beta f64) (param $nesterov i32)
    (local $end i32) (local $g v128) (local $t v128) (local $g1 v128) (local $t1 v128) (local $bv v128)
    (local.set $bv (f64x2.splat (local.get $beta)))
    (local.set $end (i32.add (local.get $u) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $u) (local.get $end)))
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $u))))
      (local.set $g1 (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $u))))
      (local.set $t (f64x2.add (local.get $g) (f64x2.mul (local.get $bv) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $trace))))))
      (local.set $t1 (f64x2.add (local.get $g1) (f64x2.mul (local.get $bv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $trace))))))
      (v128.store (local.get $trace) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $t)) (f32x4.demote_f64x2_zero (local.get $t1))))
      (if (local.get $nesterov) (then
        (local.set $t (f64x2.add (local.get $g) (f64x2.mul (local.get $bv) (local.get $t))))
        (local.set $t1 (f64x2.add (local.get $g1) (f64x2.mul (local.get $bv) (local.get $t1))))))
      (v128.store (local.get $u) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $t)) (f32x4.demote_f64x2_zero (local.get $t1))))
      (local.set $u (i32.add (local.get $u) (i32.const 16)))
      (local.set $trace (i32.add (local.get $trace) (i32.const 16)))
      (br $step))))

  ;; acc + Σ p², summed in order in float64 (clip.ts's global norm)
  (func (export "sumSquares") (param $p i32) (param $n i32) (param $acc f64) (result f64)
    (local $end i32) (local $x f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $x (f64.promote_f32 (f32.load (local.get $p))))
      (local.set $acc (f64.add (local.get $acc) (f64.mul (local.get $x) (local.get $x))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $step)))
    (local.get $acc))

  ;; 1 when all n values are finite, else 0
  (func (export "finite") (param $p i32) (param $n i32) (result i32)
    (local $end i32) (local $body i32) (local $bad v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $body (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $p) (local.get $body)))
      (local.set $bad (v128.or (local.get $bad) (i32x4.eq
        (v128.and (v128.load (local.get $p)) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
        (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $step)))
    (block $tail (loop $step
      (br_if $tail (i32.ge_u (local.get $p) (local.get $end)))
      (if (i32.eq (i32.and (i32.load (local.get $p)) (i32.const 0x7f800000)) (i32.const 0x7f800000)) (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $step)))
    (i32.eqz (v128.any_true (local.get $bad))))

  ;; The step the float32 copies θ ± o (central) or θ + o (forward) take along o, as two
  ;; sums in four lanes each at bytes 64-127: along[j] += δᵢ·oᵢ and norm[j] += oᵢ² for the
  ;; elements i ≡ j (mod 4) of θ, δᵢ = (fl(θᵢ + oᵢ) − fl(θᵢ − oᵢ))/2 or fl(θᵢ + oᵢ) − θᵢ.
  ;; `first` is the θ index of element 0, so lanes follow θ's indices whatever the chunks.
  ;; The copies it measures are stored on the way: fl(θ + o) at plus, and fl(θ − o)
  ;; (central) or θ (forward) at minus.
  (func $appliedOne (param $theta i32) (param $o i32) (param $plus i32) (param $minus i32) (param $lane i32) (param $central i32)
    (local $t f32) (local $x f32) (local $p f32) (local $m f32) (local $d f64)
    (local.set $t (f32.load (local.get $theta)))
    (local.set $x (f32.load (local.get $o)))
    (local.set $p (f32.add (local.get $t) (local.get $x)))
    (local.set $m (select (f32.sub (local.get $t) (local.get $x)) (local.get $t) (local.get $central)))
    (f32.store (local.get $plus) (local.get $p))
    (f32.store (local.get $minus) (local.get $m))
    (local.set $d (f64.sub (f64.promote_f32 (local.get $p)) (f64.promote_f32 (local.get $m))))
    (if (local.get $central) (then (local.set $d (f64.mul (local.get $d) (f64.const 0.5)))))
    (f64.store offset=64 (i32.shl (local.get $lane) (i32.const 3)) (f64.add (f64.load offset=64 (i32.shl (local.get $lane) (i32.const 3)))
      (f64.mul (local.get $d) (f64.promote_f32 (local.get $x)))))
    (f64.store offset=96 (i32.shl (local.get $lane) (i32.const 3)) (f64.add (f64.load offset=96 (i32.shl (local.get $lane) (i32.const 3)))
      (f64.mul (f64.promote_f32 (local.get $x)) (f64.promote_f32 (local.get $x))))))

  (func (export "applied") (param $theta i32) (param $o i32) (param $n i32) (param $first i32) (param $central i32) (param $plus i32) (param $minus i32)
    (local $i i32) (local $at i32) (local $body i32) (local $t v128) (local $x v128) (local $d v128) (local $half v128)
    (local $a01 v128) (local $a23 v128) (local $n01 v128) (local $n23 v128) (local $x01 v128) (local $x23 v128)
    (local.set $half (f64x2.splat (select (f64.const 0.5) (f64.const 1) (local.get $central))))
    ;; head: element by element until θ's index is a multiple of 4
    (block $aligned (loop $head
      (br_if $aligned (i32.or (i32.ge_u (local.get $i) (local.get $n)) (i32.eqz (i32.and (i32.add (local.get $first) (local.get $i)) (i32.const 3)))))
      (local.set $at (i32.shl (local.get $i) (i32.const 2)))
      (call $appliedOne (i32.add (local.get $theta) (local.get $at)) (i32.add (local.get $o) (local.get $at))
        (i32.add (local.get $plus) (local.get $at)) (i32.add (local.get $minus) (local.get $at))
        (i32.and (i32.add (local.get $first) (local.get $i)) (i32.const 3)) (local.get $central))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $head)))
    (local.set $body (i32.add (local.get $i) (i32.and (i32.sub (local.get $n) (local.get $i)) (i32.const -4))))
    (local.set $a01 (v128.load offset=64 (i32.const 0)))
    (local.set $a23 (v128.load offset=80 (i32.const 0)))
    (local.set $n01 (v128.load offset=96 (i32.const 0)))
    (local.set $n23 (v128.load offset=112 (i32.const 0)))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $i) (local.get $body)))
      (local.set $at (i32.shl (local.get $i) (i32.const 2)))
      (local.set $t (v128.load (i32.add (local.get $theta) (local.get $at))))
      (local.set $x (v128.load (i32.add (local.get $o) (local.get $at))))
      (local.set $d (if (result v128) (local.get $central)
        (then (f32x4.sub (local.get $t) (local.get $x)))
        (else (local.get $t))))
      (local.set $t (f32x4.add (local.get $t) (local.get $x)))
      (v128.store (i32.add (local.get $plus) (local.get $at)) (local.get $t))
      (v128.store (i32.add (local.get $minus) (local.get $at)) (local.get $d))
      (local.set $x01 (f64x2.promote_low_f32x4 (local.get $x)))
      (local.set $x23 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x))))
      (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (f64x2.mul (f64x2.sub
        (f64x2.promote_low_f32x4 (local.get $t)) (f64x2.promote_low_f32x4 (local.get $d))) (local.get $half)) (local.get $x01))))
      (local.set $a23 (f64x2.add (local.get $a23) (f64x2.mul (f64x2.mul (f64x2.sub
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t)))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d)))) (local.get $half)) (local.get $x23))))
      (local.set $n01 (f64x2.add (local.get $n01) (f64x2.mul (local.get $x01) (local.get $x01))))
      (local.set $n23 (f64x2.add (local.get $n23) (f64x2.mul (local.get $x23) (local.get $x23))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $step)))
    (v128.store offset=64 (i32.const 0) (local.get $a01))
    (v128.store offset=80 (i32.const 0) (local.get $a23))
    (v128.store offset=96 (i32.const 0) (local.get $n01))
    (v128.store offset=112 (i32.const 0) (local.get $n23))
    (block $end (loop $tail
      (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $at (i32.shl (local.get $i) (i32.const 2)))
      (call $appliedOne (i32.add (local.get $theta) (local.get $at)) (i32.add (local.get $o) (local.get $at))
        (i32.add (local.get $plus) (local.get $at)) (i32.add (local.get $minus) (local.get $at))
        (i32.and (i32.add (local.get $first) (local.get $i)) (i32.const 3)) (local.get $central))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail)))))
