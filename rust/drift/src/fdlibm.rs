//! `log` and `exp` as JavaScript engines compute `Math.log` and `Math.exp`: V8 uses fdlibm
//! (Sun Microsystems' freely distributable libm, `e_log.c` and `e_exp.c`), whose last bit can differ
//! from the platform libm that `f64::ln` calls. The detectors use these so that a statistic near a
//! threshold falls on the same side in Rust as in TypeScript.
//!
//! Ported from fdlibm 5.3: Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//! Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy, modify, and
//! distribute this software is freely granted, provided that this notice is preserved.

// The constants are written as fdlibm prints them, digits beyond a double's included, so they can be
// checked against its source (each is the double whose bits the comment gives).
#![allow(clippy::excessive_precision, clippy::approx_constant)]

fn hi(x: f64) -> i32 {
    (x.to_bits() >> 32) as u32 as i32
}

fn lo(x: f64) -> u32 {
    x.to_bits() as u32
}

fn with_hi(x: f64, h: i32) -> f64 {
    f64::from_bits((u64::from(h as u32) << 32) | u64::from(lo(x)))
}

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01; // 0x3fe62e42 fee00000
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10; // 0x3dea39ef 35793c76
const TWO54: f64 = 1.801_439_850_948_198_400_00e+16; // 0x43500000 00000000
const LG1: f64 = 6.666_666_666_666_735_130e-01;
const LG2: f64 = 3.999_999_999_940_941_908e-01;
const LG3: f64 = 2.857_142_874_366_239_149e-01;
const LG4: f64 = 2.222_219_843_214_978_396e-01;
const LG5: f64 = 1.818_357_216_161_805_012e-01;
const LG6: f64 = 1.531_383_769_920_937_332e-01;
const LG7: f64 = 1.479_819_860_511_658_591e-01;

/// Natural logarithm, bit for bit as fdlibm's `__ieee754_log` (JavaScript's `Math.log` in V8).
pub fn log(x: f64) -> f64 {
    let mut x = x;
    let mut hx = hi(x);
    let lx = lo(x);
    let mut k: i32 = 0;
    if hx < 0x0010_0000 {
        if ((hx & 0x7fff_ffff) as u32 | lx) == 0 {
            return f64::NEG_INFINITY;
        }
        if hx < 0 {
            return f64::NAN;
        }
        k -= 54;
        x *= TWO54;
        hx = hi(x);
    }
    if hx >= 0x7ff0_0000 {
        return x + x;
    }
    k += (hx >> 20) - 1023;
    hx &= 0x000f_ffff;
    let i = (hx + 0x95f64) & 0x10_0000;
    x = with_hi(x, hx | (i ^ 0x3ff0_0000));
    k += i >> 20;
    let f = x - 1.0;
    if (0x000f_ffff & (2 + hx)) < 3 {
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            let dk = f64::from(k);
            return dk * LN2_HI + dk * LN2_LO;
        }
        let r = f * f * (0.5 - 0.333_333_333_333_333_33 * f);
        if k == 0 {
            return f - r;
        }
        let dk = f64::from(k);
        return dk * LN2_HI - ((r - dk * LN2_LO) - f);
    }
    let s = f / (2.0 + f);
    let dk = f64::from(k);
    let z = s * s;
    let mut i = hx - 0x6147a;
    let w = z * z;
    let j = 0x6b851 - hx;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    i |= j;
    let r = t2 + t1;
    if i > 0 {
        let hfsq = 0.5 * f * f;
        if k == 0 {
            f - (hfsq - s * (hfsq + r))
        } else {
            dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
        }
    } else if k == 0 {
        f - s * (f - r)
    } else {
        dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f)
    }
}

const O_THRESHOLD: f64 = 7.097_827_128_933_839_730_96e+02;
const U_THRESHOLD: f64 = -7.451_332_191_019_411_084_20e+02;
const INV_LN2: f64 = 1.442_695_040_888_963_387_00e+00;
const TWOM1000: f64 = 9.332_636_185_032_188_789_90e-302;
const P1: f64 = 1.666_666_666_666_660_190_37e-01;
const P2: f64 = -2.777_777_777_701_559_338_42e-03;
const P3: f64 = 6.613_756_321_437_934_361_17e-05;
const P4: f64 = -1.653_390_220_546_525_153_90e-06;
const P5: f64 = 4.138_136_797_057_238_460_39e-08;

/// Exponential, bit for bit as fdlibm's `__ieee754_exp` (JavaScript's `Math.exp` in V8).
pub fn exp(x: f64) -> f64 {
    let mut x = x;
    let hxs = hi(x) as u32;
    let xsb = ((hxs >> 31) & 1) as usize;
    let hx = hxs & 0x7fff_ffff;
    let half = [0.5, -0.5];
    let ln2hi = [LN2_HI, -LN2_HI];
    let ln2lo = [LN2_LO, -LN2_LO];
    if hx >= 0x4086_2e42 {
        if hx >= 0x7ff0_0000 {
            if ((hx & 0xfffff) | lo(x)) != 0 {
                return x + x;
            }
            return if xsb == 0 { x } else { 0.0 };
        }
        if x > O_THRESHOLD {
            return f64::INFINITY;
        }
        if x < U_THRESHOLD {
            return 0.0;
        }
    }
    let mut k: i32 = 0;
    let mut hi_part = 0.0;
    let mut lo_part = 0.0;
    if hx > 0x3fd6_2e42 {
        if hx < 0x3ff0_a2b2 {
            // As V8's ieee754::exp (FreeBSD msun): exp(1) is the correctly rounded e.
            if x == 1.0 {
                return std::f64::consts::E;
            }
            hi_part = x - ln2hi[xsb];
            lo_part = ln2lo[xsb];
            k = 1 - 2 * xsb as i32;
        } else {
            k = (INV_LN2 * x + half[xsb]) as i32;
            let t = f64::from(k);
            hi_part = x - t * ln2hi[0];
            lo_part = t * ln2lo[0];
        }
        x = hi_part - lo_part;
    } else if hx < 0x3e30_0000 {
        return 1.0 + x;
    }
    let t = x * x;
    let c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    if k == 0 {
        return 1.0 - ((x * c) / (c - 2.0) - x);
    }
    let y = 1.0 - ((lo_part - (x * c) / (2.0 - c)) - hi_part);
    if k >= -1021 {
        with_hi(y, hi(y).wrapping_add(k << 20))
    } else {
        with_hi(y, hi(y).wrapping_add((k + 1000) << 20)) * TWOM1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values() {
        assert_eq!(log(1.0), 0.0);
        assert_eq!(log(0.0), f64::NEG_INFINITY);
        assert!(log(-1.0).is_nan());
        assert!(log(f64::NAN).is_nan());
        assert_eq!(log(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(710.0), f64::INFINITY);
    }

    #[test]
    fn close_to_the_platform_libm() {
        for i in 1..10_000 {
            let x = f64::from(i) * 0.37;
            assert!((log(x) - x.ln()).abs() <= f64::EPSILON * x.ln().abs().max(1.0));
            let y = f64::from(i) * 0.01 - 50.0;
            assert!((exp(y) - y.exp()).abs() <= 2.0 * f64::EPSILON * y.exp());
        }
    }

    #[test]
    fn same_bits_as_javascript() {
        // (x, Math.log(x)) and (x, Math.exp(x)) from Node 20, where glibc answers one ulp apart.
        for &(x, want) in LOG_CASES {
            assert_eq!(log(f64::from_bits(x)).to_bits(), want, "log({})", f64::from_bits(x));
        }
        for &(x, want) in EXP_CASES {
            assert_eq!(exp(f64::from_bits(x)).to_bits(), want, "exp({})", f64::from_bits(x));
        }
    }

    const LOG_CASES: &[(u64, u64)] = &[
        (0x4003_4b2d_5b68_949c, 0x3fec_2bb4_6754_8220),
        (0x40ba_6716_0f2c_b00f, 0x4021_a325_2c21_8c02),
        (0x4097_d8ec_d365_ee4d, 0x401d_527d_7870_34aa),
        (0x4063_b0f2_5b81_299d, 0x4014_3d0b_437a_3fb8),
        (0x3fe6_85a1_c3b2_f7be, 0xbfd6_7ac5_3ab2_fe42),
        (0x406a_4f4d_7188_c58f, 0x4015_65c4_6bf2_375a),
    ];
    const EXP_CASES: &[(u64, u64)] = &[
        (0xc03a_0e5c_2355_d39c, 0x3d95_3e89_cf95_b890),
        (0xbfc2_1551_972f_d3c8, 0x3feb_c8b4_358d_1142),
        (0xbfe2_00a8_37d9_7d4a, 0x3fe2_3b49_58b2_8b78),
        (0x4025_dc2b_5ae2_0159, 0x40eb_4269_97f9_7364),
        (0x4029_8ff1_6076_b4fe, 0x4115_b1e5_f4cd_5fa8),
        (0xbff7_771e_3c87_a076, 0x3fcd_87ff_5c11_de7e),
        (0x3ff0_0000_0000_0000, 0x4005_bf0a_8b14_5769),
    ];
}
