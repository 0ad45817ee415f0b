;; Noise kernel: Philox4x32-10 on four blocks per i32x4 (one block per lane), then the
;; Gaussian, uniform or Rademacher transform. Bit-identical to scalar-backend.ts: plain
;; IEEE float32 SIMD (no relaxed SIMD, no fused multiply-add), each operation in the
;; scalar order. Assembled by scripts/build-wasm.mjs into wasm-kernel-bytes.ts.
(module
  ;; Bytes 0-59: gaussian.ts GAUSSIAN_CONSTANTS, written by the loader. Bytes 1024-1535:
  ;; Rademacher words. Bytes 2048-18431: output chunk of 4096 float32, small enough for L1.
  (memory (export "memory") 1)

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
      (br_if $word (i32.ne (local.tee $src (i32.add (local.get $src) (i32.const 4))) (local.get $end))))))
