//! Ganvas files: one versioned, checksummed container for GAN checkpoints and the classifier.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic     8 bytes   "GANVASCK"
//! version   u32       FORMAT_VERSION
//! kind      u8 length + UTF-8   ("gan", "classifier")
//! meta      u32 length + UTF-8 JSON (the config and whatever the kind needs)
//! sections  u32 count, then per section: u8 length + UTF-8 name, u64 length + bytes
//! crc32     u32 of every byte before it
//! ```
//!
//! A module's parameters are a section in the "params" encoding: u32 count, then per tensor a
//! u16-length UTF-8 module path (as burn names it, e.g. `hidden.0.weight`), u8 rank, u32 dims and
//! f32 values. Saving reads the parameters with one asynchronous transfer, so it is safe on WebGPU.

use std::collections::HashMap;
use std::fmt;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use burn::tensor::{ExecutionError, Transaction};

pub const MAGIC: &[u8; 8] = b"GANVASCK";
pub const FORMAT_VERSION: u32 = 1;
/// Files larger than this are refused before they are parsed.
pub const MAX_FILE_BYTES: usize = 64 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    NotAGanvasFile,
    TooLarge(usize),
    UnsupportedVersion(u32),
    Truncated,
    Corrupted,
    WrongKind {
        expected: String,
        found: String,
    },
    BadMeta(String),
    MissingSection(String),
    /// The parameters do not fit the network the config describes.
    WrongArchitecture(String),
    Read(String),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAGanvasFile => write!(
                f,
                "this is not a Ganvas file (it does not start with GANVASCK)"
            ),
            Self::TooLarge(n) => write!(
                f,
                "the file is {n} bytes; Ganvas files are at most {MAX_FILE_BYTES} bytes"
            ),
            Self::UnsupportedVersion(v) => write!(
                f,
                "the file has format version {v}; this Ganvas reads version {FORMAT_VERSION}"
            ),
            Self::Truncated => write!(
                f,
                "the file is truncated (it ends before its contents do: cut short, or damaged)"
            ),
            Self::Corrupted => write!(f, "the file is corrupted (its checksum does not match)"),
            Self::WrongKind { expected, found } => {
                write!(f, "expected a {expected} file, but this is a {found} file")
            }
            Self::BadMeta(e) => write!(f, "the file's settings cannot be read: {e}"),
            Self::MissingSection(s) => write!(f, "the file has no {s} section"),
            Self::WrongArchitecture(e) => {
                write!(
                    f,
                    "the weights do not fit the network in the file's settings: {e}"
                )
            }
            Self::Read(e) => write!(f, "reading the weights from the device failed: {e}"),
        }
    }
}

impl std::error::Error for CheckpointError {}

impl From<ExecutionError> for CheckpointError {
    fn from(e: ExecutionError) -> Self {
        Self::Read(format!("{e:?}"))
    }
}

/// A decoded Ganvas file.
#[derive(Debug, Clone, PartialEq)]
pub struct GanvasFile {
    pub kind: String,
    pub meta: String,
    pub sections: Vec<(String, Vec<u8>)>,
}

impl GanvasFile {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        put_str8(&mut out, &self.kind);
        out.extend_from_slice(&(self.meta.len() as u32).to_le_bytes());
        out.extend_from_slice(self.meta.as_bytes());
        out.extend_from_slice(&(self.sections.len() as u32).to_le_bytes());
        for (name, bytes) in &self.sections {
            put_str8(&mut out, name);
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Parses and checks a file; never panics on any input.
    pub fn decode(bytes: &[u8]) -> Result<Self, CheckpointError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(CheckpointError::TooLarge(bytes.len()));
        }
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(if MAGIC.starts_with(bytes) && !bytes.is_empty() {
                CheckpointError::Truncated
            } else {
                CheckpointError::NotAGanvasFile
            });
        }
        let mut r = Reader::new(&bytes[MAGIC.len()..]);
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(CheckpointError::UnsupportedVersion(version));
        }
        // The checksum covers everything: check it before trusting any length.
        if bytes.len() < MAGIC.len() + 8 {
            return Err(CheckpointError::Truncated);
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        // A length no Ganvas file can hold is damage (a flipped high byte), not a file cut short.
        let length = |n: u64| {
            usize::try_from(n)
                .ok()
                .filter(|&n| n <= MAX_FILE_BYTES)
                .ok_or(CheckpointError::Corrupted)
        };
        let kind = r.str8()?;
        let meta_len = length(r.u32()?.into())?;
        let meta = r.utf8(meta_len)?;
        let count = r.u32()? as usize;
        let mut sections = Vec::new();
        for _ in 0..count {
            let name = r.str8()?;
            let len = length(r.u64()?)?;
            sections.push((name, r.take(len)?.to_vec()));
        }
        // What is left is exactly the checksum.
        if r.remaining() != 4 {
            return Err(if r.remaining() < 4 {
                CheckpointError::Truncated
            } else {
                CheckpointError::Corrupted
            });
        }
        if crc32fast::hash(body).to_le_bytes() != crc {
            return Err(CheckpointError::Corrupted);
        }
        Ok(Self {
            kind,
            meta,
            sections,
        })
    }

    /// Decodes and checks the kind.
    pub fn decode_kind(bytes: &[u8], expected: &str) -> Result<Self, CheckpointError> {
        let file = Self::decode(bytes)?;
        if file.kind != expected {
            return Err(CheckpointError::WrongKind {
                expected: expected.into(),
                found: file.kind,
            });
        }
        Ok(file)
    }

    pub fn section(&self, name: &str) -> Result<&[u8], CheckpointError> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
            .ok_or_else(|| CheckpointError::MissingSection(name.into()))
    }
}

fn put_str8(out: &mut Vec<u8>, s: &str) {
    let s = &s.as_bytes()[..s.len().min(255)];
    out.push(s.len() as u8);
    out.extend_from_slice(s);
}

/// A bounds-checked cursor: every read past the end is `Truncated`.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], CheckpointError> {
        if n > self.bytes.len() {
            return Err(CheckpointError::Truncated);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], CheckpointError> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }
    pub(crate) fn u8(&mut self) -> Result<u8, CheckpointError> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, CheckpointError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, CheckpointError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, CheckpointError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub(crate) fn utf8(&mut self, n: usize) -> Result<String, CheckpointError> {
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| CheckpointError::Corrupted)
    }
    pub(crate) fn str8(&mut self) -> Result<String, CheckpointError> {
        let n = self.u8()? as usize;
        self.utf8(n)
    }
}

/// f32 values as little-endian bytes.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The inverse of [`f32_bytes`]; `None` if the length is not a multiple of 4.
pub fn f32_values(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("chunks of 4")))
            .collect(),
    )
}

/// Collects a module's float parameters with their paths, ready for one transaction.
#[derive(Default)]
struct Collector {
    path: Vec<String>,
    names: Vec<(String, Vec<usize>)>,
    transaction: Option<Transaction>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        self.names
            .push((self.path.join("."), tensor.dims().to_vec()));
        let transaction = self.transaction.take().unwrap_or_default();
        self.transaction = Some(transaction.register(tensor));
    }
}

/// A module's float parameters in the "params" encoding, read in one asynchronous transfer.
pub async fn module_bytes<M: Module>(module: &M) -> Result<Vec<u8>, CheckpointError> {
    let mut collector = Collector::default();
    module.visit(&mut collector);
    let data = match collector.transaction {
        Some(t) => t.execute_async().await?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    out.extend_from_slice(&(collector.names.len() as u32).to_le_bytes());
    for ((path, dims), data) in collector.names.iter().zip(data) {
        out.extend_from_slice(&(path.len() as u16).to_le_bytes());
        out.extend_from_slice(path.as_bytes());
        out.push(dims.len() as u8);
        for d in dims {
            out.extend_from_slice(&(*d as u32).to_le_bytes());
        }
        let values: Vec<f32> = data
            .convert::<f32>()
            .try_to_vec()
            .map_err(|e| CheckpointError::Read(format!("{e:?}")))?;
        out.extend_from_slice(&f32_bytes(&values));
    }
    Ok(out)
}

/// Tensors by module path: (shape, values).
type Params = HashMap<String, (Vec<usize>, Vec<f32>)>;

fn parse_params(bytes: &[u8]) -> Result<Params, CheckpointError> {
    let mut r = Reader::new(bytes);
    let count = r.u32()? as usize;
    let mut params = HashMap::new();
    for _ in 0..count {
        let len = r.u16()? as usize;
        let path = r.utf8(len)?;
        let rank = r.u8()? as usize;
        let mut dims = Vec::with_capacity(rank);
        let mut numel: usize = 1;
        for _ in 0..rank {
            let d = r.u32()? as usize;
            numel = numel.checked_mul(d).ok_or(CheckpointError::Corrupted)?;
            dims.push(d);
        }
        let bytes = r.take(numel.checked_mul(4).ok_or(CheckpointError::Corrupted)?)?;
        let values = f32_values(bytes).expect("a multiple of 4 bytes");
        params.insert(path, (dims, values));
    }
    if r.remaining() != 0 {
        return Err(CheckpointError::Corrupted);
    }
    Ok(params)
}

/// Loads parameters in the "params" encoding into `module`, matching them by path and shape.
/// Every parameter must be present with its exact shape, and nothing may be left over.
pub fn load_module<M: Module>(module: M, bytes: &[u8]) -> Result<M, CheckpointError> {
    let params = parse_params(bytes)?;
    let mut loader = Loader {
        path: Vec::new(),
        params,
        errors: Vec::new(),
    };
    let module = module.map(&mut loader);
    let mut leftover: Vec<&String> = loader.params.keys().collect();
    leftover.sort();
    if let Some(extra) = leftover.first() {
        loader.errors.push(format!("unexpected parameter {extra}"));
    }
    match loader.errors.first() {
        Some(e) => Err(CheckpointError::WrongArchitecture(e.clone())),
        None => Ok(module),
    }
}

struct Loader {
    path: Vec<String>,
    params: Params,
    errors: Vec<String>,
}

impl ModuleMapper for Loader {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.join(".");
        let expected = param.lazy_shape().dims::<D>().to_vec();
        match self.params.remove(&path) {
            None => {
                self.errors.push(format!("missing parameter {path}"));
                param
            }
            Some((dims, _)) if dims != expected => {
                self.errors.push(format!(
                    "{path} has shape {dims:?} in the file but {expected:?} in the network"
                ));
                param
            }
            Some((dims, values)) => {
                let device = param.lazy_device();
                let id: ParamId = param.id;
                let tensor = Tensor::from_data(TensorData::new(values, dims), &device);
                param.transform_for_load(tensor, id)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;

    fn file() -> GanvasFile {
        GanvasFile {
            kind: "gan".into(),
            meta: "{\"step\":3}".into(),
            sections: vec![("a".into(), vec![1, 2, 3]), ("b".into(), vec![])],
        }
    }

    #[test]
    fn container_round_trips() {
        let f = file();
        assert_eq!(GanvasFile::decode(&f.encode()).unwrap(), f);
        assert_eq!(
            GanvasFile::decode_kind(&f.encode(), "classifier"),
            Err(CheckpointError::WrongKind {
                expected: "classifier".into(),
                found: "gan".into()
            })
        );
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_an_error() {
        let bytes = file().encode();
        for n in 0..bytes.len() {
            let e = GanvasFile::decode(&bytes[..n]).unwrap_err();
            assert!(
                matches!(
                    e,
                    CheckpointError::Truncated | CheckpointError::NotAGanvasFile
                ),
                "prefix {n}: {e:?}"
            );
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(GanvasFile::decode(&b).is_err(), "flipped byte {i} accepted");
        }
        let mut b = bytes.clone();
        b[8] = 9; // version
        assert_eq!(
            GanvasFile::decode(&b),
            Err(CheckpointError::UnsupportedVersion(9))
        );
        assert_eq!(
            GanvasFile::decode(b"PK\x03\x04 a zip file"),
            Err(CheckpointError::NotAGanvasFile)
        );
    }

    #[test]
    fn module_params_round_trip_and_wrong_architecture_is_refused() {
        let device = Device::flex();
        let (g, _) = ModelConfig::new().init(&device, 1);
        let bytes = pollster::block_on(module_bytes(&g)).unwrap();
        let (fresh, _) = ModelConfig::new().init(&device, 2);
        let loaded = load_module(fresh, &bytes).unwrap();
        let z = Tensor::<2>::ones([2, 100], &device);
        let a: Vec<f32> = g.forward(z.clone(), None).into_data().try_to_vec().unwrap();
        let b: Vec<f32> = loaded.forward(z, None).into_data().try_to_vec().unwrap();
        assert_eq!(a, b);

        let (wider, _) = ModelConfig::new()
            .with_generator_hidden(vec![256, 256])
            .init(&device, 1);
        let e = load_module(wider, &bytes).unwrap_err();
        assert!(matches!(e, CheckpointError::WrongArchitecture(_)), "{e:?}");
        for n in [0, 3, 10, bytes.len() - 1] {
            let (fresh, _) = ModelConfig::new().init(&device, 2);
            assert!(load_module(fresh, &bytes[..n]).is_err());
        }
    }
}
