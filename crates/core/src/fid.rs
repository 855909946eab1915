//! FID-MNIST's arithmetic: Gaussians fitted to feature vectors and the Fréchet distance between
//! two of them, with the symmetric matrix square root it needs (Jacobi eigenvalues; no LAPACK in
//! the browser).

/// A Gaussian fitted to feature vectors: mean and (unbiased) covariance, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Gaussian {
    pub mean: Vec<f64>,
    pub cov: Vec<f64>,
}

impl Gaussian {
    /// Fits rows of `dim` features (`features.len() = n * dim`, n >= 2).
    pub fn fit(features: &[f32], dim: usize) -> Self {
        let n = features.len() / dim;
        let mut mean = vec![0f64; dim];
        for row in features.chunks_exact(dim) {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += x as f64 / n as f64;
            }
        }
        let mut cov = vec![0f64; dim * dim];
        let mut centred = vec![0f64; dim];
        for row in features.chunks_exact(dim) {
            for ((c, &x), m) in centred.iter_mut().zip(row).zip(&mean) {
                *c = x as f64 - m;
            }
            for i in 0..dim {
                for j in i..dim {
                    cov[i * dim + j] += centred[i] * centred[j];
                }
            }
        }
        let denom = (n.max(2) - 1) as f64;
        for i in 0..dim {
            for j in i..dim {
                let v = cov[i * dim + j] / denom;
                cov[i * dim + j] = v;
                cov[j * dim + i] = v;
            }
        }
        Self { mean, cov }
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }
}

/// ||m1 - m2||^2 + tr(C1 + C2 - 2 (C1 C2)^(1/2)), with tr (C1 C2)^(1/2) computed as
/// tr (C1^(1/2) C2 C1^(1/2))^(1/2), a symmetric positive semi-definite form.
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> f64 {
    let n = a.dim();
    assert_eq!(n, b.dim(), "Gaussians of different dimensions");
    let mean_term: f64 = a
        .mean
        .iter()
        .zip(&b.mean)
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let trace = |m: &[f64]| (0..n).map(|i| m[i * n + i]).sum::<f64>();
    let sqrt_a = sym_sqrt(&a.cov, n);
    let inner = matmul(&matmul(&sqrt_a, &b.cov, n), &sqrt_a, n);
    let (values, _) = sym_eigen(&inner, n);
    let tr_sqrt: f64 = values.iter().map(|v| v.max(0.0).sqrt()).sum();
    (mean_term + trace(&a.cov) + trace(&b.cov) - 2.0 * tr_sqrt).max(0.0)
}

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0f64; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            for j in 0..n {
                out[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    out
}

/// Square root of a symmetric positive semi-definite matrix (negative eigenvalues clamped to 0).
fn sym_sqrt(m: &[f64], n: usize) -> Vec<f64> {
    let (values, vectors) = sym_eigen(m, n);
    let mut out = vec![0f64; n * n];
    for (k, v) in values.iter().enumerate() {
        let s = v.max(0.0).sqrt();
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] += s * vectors[i * n + k] * vectors[j * n + k];
            }
        }
    }
    out
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix, by cyclic Jacobi rotations.
fn sym_eigen(m: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = m.to_vec();
    let mut v = vec![0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum::<f64>()
            .sqrt();
        if off <= 1e-14 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frechet_distance_known_answers() {
        // Diagonal Gaussians: FD = |m1-m2|^2 + sum (sqrt(s1) - sqrt(s2))^2.
        let a = Gaussian {
            mean: vec![0.0, 1.0],
            cov: vec![4.0, 0.0, 0.0, 1.0],
        };
        let b = Gaussian {
            mean: vec![3.0, 1.0],
            cov: vec![1.0, 0.0, 0.0, 9.0],
        };
        let expected = 9.0 + (2.0f64 - 1.0).powi(2) + (1.0f64 - 3.0).powi(2);
        assert!((frechet_distance(&a, &b) - expected).abs() < 1e-9);
        assert!(frechet_distance(&a, &a).abs() < 1e-9);

        // A rotated (non-diagonal) covariance against itself.
        let c = Gaussian {
            mean: vec![1.0, 2.0, 3.0],
            cov: vec![2.0, 0.5, 0.1, 0.5, 1.0, 0.3, 0.1, 0.3, 3.0],
        };
        assert!(frechet_distance(&c, &c).abs() < 1e-8);
    }

    #[test]
    fn gaussian_fit_and_eigen() {
        let g = Gaussian::fit(&[1.0, 2.0, 3.0, 6.0], 2);
        assert_eq!(g.mean, vec![2.0, 4.0]);
        assert_eq!(g.cov, vec![2.0, 4.0, 4.0, 8.0]);
        let (mut values, _) = sym_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        values.sort_by(f64::total_cmp);
        assert!((values[0] - 1.0).abs() < 1e-12 && (values[1] - 3.0).abs() < 1e-12);
        let root = sym_sqrt(&[4.0, 0.0, 0.0, 9.0], 2);
        assert!((root[0] - 2.0).abs() < 1e-12 && (root[3] - 3.0).abs() < 1e-12);
    }
}
