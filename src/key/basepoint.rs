//! Fixed-base scalar multiplication `k·G` on the NIST curves, with a table of multiples of the
//! generator built once per process.
//!
//! The generic multiplication of the curve crates (version 0.13) doubles its way through every
//! bit of the scalar: 4 doublings and an addition per 4-bit window. A public key, though, is
//! always a multiple of the same point `G`, so the doublings can be done once: row `i` of the
//! table holds `j·16^i·G` for `j` in `0..16`, and `k·G` is the sum over the windows of the row
//! entry the window's digit selects. That leaves one mixed addition per window and no doubling.
//! Every packed message computes the public key of a fresh ephemeral key, so this is work saved
//! on each message (the timing is in `benches/README.md`).
//!
//! The group law, the field arithmetic and the constant-time selection are the curve crates';
//! this module only arranges them. It runs in constant time: every window is visited, every
//! entry of a row is read with `conditional_assign` (the digit never chooses an address), the
//! additions use the crates' complete formulas (adding the identity included), and the scalar's
//! bytes are wiped after use.

use std::sync::OnceLock;

use zeroize::Zeroize;

macro_rules! fixed_base {
    ($module:ident, $krate:ident) => {
        pub(crate) mod $module {
            use super::{OnceLock, Zeroize};
            use ::$krate::elliptic_curve::group::Group;
            use ::$krate::elliptic_curve::subtle::{ConditionallySelectable, ConstantTimeEq};
            use ::$krate::elliptic_curve::PrimeField;
            use ::$krate::{ProjectivePoint, Scalar};

            type Row = [ProjectivePoint; 16];

            /// One row per 4-bit window of the scalar's big-endian encoding.
            fn table() -> &'static [Row] {
                static TABLE: OnceLock<Vec<Row>> = OnceLock::new();
                TABLE.get_or_init(|| {
                    let windows = 2 * Scalar::ZERO.to_repr().len();
                    let mut rows = Vec::with_capacity(windows);
                    let mut base = ProjectivePoint::GENERATOR;
                    for _ in 0..windows {
                        let mut row = [ProjectivePoint::IDENTITY; 16];
                        for j in 1..16 {
                            row[j] = row[j - 1] + base;
                        }
                        rows.push(row);
                        for _ in 0..4 {
                            base = base.double();
                        }
                    }
                    rows
                })
            }

            /// `k·G`, in constant time.
            pub(crate) fn mul(k: &Scalar) -> ProjectivePoint {
                let mut bytes = k.to_repr();
                let mut acc = ProjectivePoint::IDENTITY;
                let last = bytes.len() - 1;
                for (i, row) in table().iter().enumerate() {
                    // Window i holds bits 4i..4i+4 of the scalar.
                    let digit = (bytes[last - i / 2] >> (4 * (i % 2))) & 0x0f;
                    let mut entry = ProjectivePoint::IDENTITY;
                    for (j, candidate) in row.iter().enumerate().skip(1) {
                        entry.conditional_assign(candidate, (j as u8).ct_eq(&digit));
                    }
                    acc += entry;
                }
                bytes.as_mut_slice().zeroize();
                acc
            }

            /// The public key of `secret`, from the table. A secret key is never zero, so
            /// the point is never the identity and the fallback never runs.
            pub(crate) fn public_key(secret: &::$krate::SecretKey) -> ::$krate::PublicKey {
                let point = mul(&secret.to_nonzero_scalar()).to_affine();
                ::$krate::PublicKey::from_affine(point).unwrap_or_else(|_| secret.public_key())
            }
        }
    };
}

fixed_base!(p256, p256);
fixed_base!(p384, p384);
fixed_base!(p521, p521);

#[cfg(test)]
mod tests {
    use rand_core::{OsRng, RngCore};

    macro_rules! agrees_with_the_generic_multiplication {
        ($test:ident, $module:ident, $krate:ident, $random:expr) => {
            #[test]
            fn $test() {
                use ::$krate::elliptic_curve::{Field, PrimeField};
                use ::$krate::{ProjectivePoint, Scalar};
                let check = |k: Scalar| {
                    assert_eq!(
                        super::$module::mul(&k),
                        ProjectivePoint::GENERATOR * k,
                        "k = {k:?}"
                    );
                };
                let one = Scalar::ONE;
                let mut edge = vec![Scalar::ZERO, one, one + one, -one, -(one + one)];
                // Every single digit 1..16 in the lowest, a middle and the top window.
                let sixteen = Scalar::from(16u64);
                let mut shift = one;
                for _ in 0..Scalar::ZERO.to_repr().len() * 2 {
                    for d in 1..16u64 {
                        edge.push(Scalar::from(d) * shift);
                    }
                    shift *= sixteen;
                }
                for k in edge {
                    check(k);
                }
                for _ in 0..$random {
                    check(Scalar::random(&mut OsRng));
                }
                // Scalars made of all-ones nibbles and of alternating digits.
                let mut bytes = $krate::FieldBytes::default();
                OsRng.fill_bytes(&mut bytes);
                for fill in [0xffu8, 0x0f, 0xf0, 0x5a] {
                    bytes.iter_mut().for_each(|b| *b = fill);
                    if let Some(k) = Option::<Scalar>::from(Scalar::from_repr(bytes)) {
                        check(k);
                    }
                }
            }
        };
    }

    agrees_with_the_generic_multiplication!(p256_table, p256, p256, 300);
    agrees_with_the_generic_multiplication!(p384_table, p384, p384, 100);
    agrees_with_the_generic_multiplication!(p521_table, p521, p521, 50);
}
