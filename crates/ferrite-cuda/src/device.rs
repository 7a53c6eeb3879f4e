//! One GPU: its context, its one stream (every op of the device is queued there, so ops need no
//! synchronisation between them), its lazily loaded kernel modules and cuBLAS handle, the caching
//! allocator, and the error word kernels raise out-of-bounds indices in.
//!
//! Every driver call of the backend goes through this file. For tests without a GPU, a device can
//! also be a *recording* one: no hardware, fake addresses, and launches that are checked (kernel
//! present, argument sizes equal to the PTX's parameters) and recorded instead of run, so the whole
//! dispatch layer runs on any machine.

use crate::alloc::{Block, Cache, round};
use crate::error::{Error, Result};
use crate::kernels::{self, Module};
use crate::storage::CudaStorage;
use cudarc::cublas::CudaBlas;
use cudarc::driver::{
    CudaContext, CudaFunction, CudaModule, CudaStream, DriverError, LaunchConfig, result, sys,
};
use cudarc::nvrtc::Ptx;
use ferrite_tensor::backend::{BackendStorage, DeviceBackend};
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::{DType, Device, Shape};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Threads per block of the elementwise and indexing kernels.
const THREADS: u32 = 256;
/// At most this many blocks: kernels loop over the rest (grid-stride loops).
const MAX_BLOCKS: usize = 1 << 16;

/// A launch configuration covering `n` elements with a grid-stride loop.
pub(crate) fn grid(n: usize) -> LaunchConfig {
    let blocks = n.div_ceil(THREADS as usize).clamp(1, MAX_BLOCKS) as u32;
    LaunchConfig { grid_dim: (blocks, 1, 1), block_dim: (THREADS, 1, 1), shared_mem_bytes: 0 }
}

/// Launches kernel `$name` of `$module` on the device's stream with the given arguments, which
/// must be local variables (the launch reads them through references). Their sizes are checked
/// against the kernel's parameters first.
macro_rules! launch {
    ($gpu:expr, $op:expr, $module:expr, $name:expr, $cfg:expr; $($arg:ident),* $(,)?) => {{
        use cudarc::driver::PushKernelArg as _;
        let name: &str = &$name;
        let sizes = [$(std::mem::size_of_val(&$arg)),*];
        if let Some((func, stream)) = $gpu.function($module, name, $op, &sizes)? {
            let mut builder = stream.launch_builder(&func);
            $( builder.arg(&$arg); )*
            // SAFETY: the arguments match the kernel's C signature in kernels/*.cu (checked by
            // size just above; pointers as u64, `Strided` by value, sizes as u64); every pointer
            // is a live block of this device holding at least the elements its layout addresses,
            // and blocks are only reused by later work on the same stream.
            unsafe { builder.launch($cfg) }.map_err(|e| $gpu.driver_err($op, name, e))?;
        }
    }};
}
pub(crate) use launch;

/// The driver-side state of a real GPU.
struct Hardware {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    modules: [OnceLock<Result<Arc<CudaModule>, String>>; 4],
    blas: OnceLock<Result<CudaBlas, String>>,
    /// A device `int`: the code of the first out-of-bounds index a kernel met (0: none).
    error_word: u64,
}

/// A product for cuBLAS's `gemm_strided_batched` (column-major, as cuBLAS sees it).
pub(crate) struct Gemm {
    pub(crate) transa: bool,
    pub(crate) transb: bool,
    pub(crate) m: i32,
    pub(crate) n: i32,
    pub(crate) k: i32,
    pub(crate) a: u64,
    pub(crate) lda: i32,
    pub(crate) stride_a: i64,
    pub(crate) b: u64,
    pub(crate) ldb: i32,
    pub(crate) stride_b: i64,
    pub(crate) c: u64,
    pub(crate) ldc: i32,
    pub(crate) stride_c: i64,
    pub(crate) batch: i32,
}

impl Gemm {
    /// cuBLAS's argument rules (a violation is CUBLAS_STATUS_INVALID_VALUE on the device).
    fn check(&self) -> std::result::Result<(), String> {
        let rows_a = if self.transa { self.k } else { self.m };
        let rows_b = if self.transb { self.n } else { self.k };
        let ok = self.m >= 0
            && self.n >= 0
            && self.k >= 0
            && self.batch >= 0
            && self.lda >= rows_a.max(1)
            && self.ldb >= rows_b.max(1)
            && self.ldc >= self.m.max(1);
        if ok {
            Ok(())
        } else {
            Err(format!("invalid gemm arguments (m, n, k, lda, ldb, ldc) = {:?}", self.dims()))
        }
    }

    fn dims(&self) -> (i32, i32, i32, i32, i32, i32) {
        (self.m, self.n, self.k, self.lda, self.ldb, self.ldc)
    }
}

/// A loaded kernel (none on a recording device) and its parameters' sizes from the PTX.
type Kernel = (Option<CudaFunction>, Vec<usize>);

/// The state of one GPU (or of a recording device), shared by its storages.
pub(crate) struct Gpu {
    ordinal: usize,
    /// None for a recording device.
    hw: Option<Hardware>,
    /// Loaded kernels (none when recording) with their parameters' sizes from the PTX.
    functions: Mutex<HashMap<String, Kernel>>,
    cache: Mutex<Cache>,
    /// How many times the host waited for this device (read-backs and `synchronize`).
    syncs: AtomicUsize,
    /// A recording device's kernel launches (and `gemm` calls), in order.
    launches: Mutex<Vec<String>>,
    /// A recording device's next fake address.
    next_fake: AtomicU64,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cuda:{}", self.ordinal)
    }
}

impl Gpu {
    fn new(ordinal: usize) -> Result<Self> {
        let device = Device::Cuda(ordinal);
        let err = |what: &str, e: DriverError| Error::Driver {
            op: "init",
            device,
            reason: format!("{e} ({what})"),
        };
        let ctx = CudaContext::new(ordinal).map_err(|e| err("creating the context", e))?;
        // Storages are raw blocks ordered by the one stream: cudarc's per-slice events are not needed.
        // SAFETY: no CudaSlice of this context is used across streams.
        unsafe { ctx.disable_event_tracking() };
        let stream = ctx.new_stream().map_err(|e| err("creating the stream", e))?;
        // SAFETY: the context is bound to this thread (CudaContext::new binds it); 4 bytes, zeroed below.
        let error_word =
            unsafe { result::malloc_sync(4) }.map_err(|e| err("allocating the error word", e))?;
        // SAFETY: as above.
        unsafe { result::memset_d8_sync(error_word, 0, 4) }.map_err(|e| err("clearing the error word", e))?;
        let hw = Hardware { ctx, stream, modules: Default::default(), blas: OnceLock::new(), error_word };
        Ok(Self::with(ordinal, Some(hw)))
    }

    fn with(ordinal: usize, hw: Option<Hardware>) -> Self {
        Gpu {
            ordinal,
            hw,
            functions: Mutex::new(HashMap::new()),
            cache: Mutex::new(Cache::default()),
            syncs: AtomicUsize::new(0),
            launches: Mutex::new(Vec::new()),
            next_fake: AtomicU64::new(1 << 40),
        }
    }

    pub(crate) fn device(&self) -> Device {
        Device::Cuda(self.ordinal)
    }

    /// The address of the error word (a fake one when recording).
    pub(crate) fn error_word(&self) -> u64 {
        self.hw.as_ref().map_or(8, |h| h.error_word)
    }

    pub(crate) fn driver_err(&self, op: &'static str, what: &str, e: DriverError) -> Error {
        Error::Driver { op, device: self.device(), reason: format!("{e} ({what})") }
    }

    /// The hardware with its context current on this thread (raw driver calls need it), or None
    /// when recording.
    fn bound(&self, op: &'static str) -> Result<Option<&Hardware>> {
        let Some(hw) = &self.hw else { return Ok(None) };
        hw.ctx.bind_to_thread().map_err(|e| self.driver_err(op, "binding the context", e))?;
        Ok(Some(hw))
    }

    fn record(&self, what: String) {
        self.launches.lock().unwrap_or_else(|e| e.into_inner()).push(what);
    }

    /// The loaded module, JIT-compiling its PTX on first use.
    fn module(&self, hw: &Hardware, m: Module, op: &'static str) -> Result<Arc<CudaModule>> {
        let loaded = hw.modules[m.index()].get_or_init(|| {
            hw.ctx
                .load_module(Ptx::from_src(m.ptx()))
                .map_err(|e| format!("{e} (loading ptx/{}.ptx)", m.name()))
        });
        loaded.clone().map_err(|reason| Error::Driver { op, device: self.device(), reason })
    }

    /// The kernel `name` of module `m` and the stream to launch it on, after checking that the
    /// arguments about to be passed have the sizes of its parameters. None on a recording
    /// device, which records the launch instead.
    pub(crate) fn function(
        &self,
        m: Module,
        name: &str,
        op: &'static str,
        args: &[usize],
    ) -> Result<Option<(CudaFunction, &Arc<CudaStream>)>> {
        let mut functions = self.functions.lock().unwrap_or_else(|e| e.into_inner());
        if !functions.contains_key(name) {
            let Some(params) = kernels::param_sizes(m, name) else {
                return Err(Error::Abi {
                    op,
                    device: self.device(),
                    reason: format!("kernel {name} is not in ptx/{}.ptx", m.name()),
                });
            };
            let f = match &self.hw {
                Some(hw) => Some(
                    self.module(hw, m, op)?.load_function(name).map_err(|e| self.driver_err(op, name, e))?,
                ),
                None => None,
            };
            functions.insert(name.to_owned(), (f, params));
        }
        let (f, params) = &functions[name];
        if params != args {
            return Err(Error::Abi {
                op,
                device: self.device(),
                reason: format!(
                    "kernel {name} takes parameters of {params:?} bytes, the launch passes {args:?}"
                ),
            });
        }
        match (f, &self.hw) {
            (Some(f), Some(hw)) => Ok(Some((f.clone(), &hw.stream))),
            _ => {
                self.record(name.to_owned());
                Ok(None)
            }
        }
    }

    /// A block of at least `bytes`, from the cache when one of its size class is free.
    pub(crate) fn alloc(&self, bytes: usize, op: &'static str) -> Result<Block> {
        if bytes == 0 {
            return Ok(Block { ptr: 0, bytes: 0 });
        }
        let size = round(bytes);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = cache.take(size) {
            return Ok(b);
        }
        let ptr = match self.bound(op)? {
            None => self.next_fake.fetch_add(size as u64, Ordering::Relaxed),
            // SAFETY: the context is current; the memory is written before it is read (every
            // caller fills its output).
            Some(_) => match unsafe { result::malloc_sync(size) } {
                Ok(p) => p,
                Err(e) if e.0 == sys::CUresult::CUDA_ERROR_OUT_OF_MEMORY => {
                    // Give the cached blocks back to the driver and try once more.
                    self.free_cached(&mut cache, op)?;
                    // SAFETY: as above.
                    unsafe { result::malloc_sync(size) }
                        .map_err(|e| self.driver_err(op, &format!("allocating {size} bytes"), e))?
                }
                Err(e) => return Err(self.driver_err(op, &format!("allocating {size} bytes"), e)),
            },
        };
        cache.note_new(size);
        Ok(Block { ptr, bytes: size })
    }

    /// Returns a block to the cache (storages call this when they go away).
    pub(crate) fn release(&self, block: Block) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).give(block);
    }

    fn free_cached(&self, cache: &mut Cache, op: &'static str) -> Result<()> {
        let Some(hw) = self.bound(op)? else {
            cache.drain();
            return Ok(());
        };
        // Queued work may still use a cached block's last contents: wait for it first.
        hw.stream.synchronize().map_err(|e| self.driver_err(op, "synchronizing", e))?;
        for ptr in cache.drain() {
            // SAFETY: the block is cached (no storage holds it) and the stream is idle.
            unsafe { result::free_sync(ptr) }.map_err(|e| self.driver_err(op, "freeing cached memory", e))?;
        }
        Ok(())
    }

    /// Queues `bytes` zero bytes at `ptr`.
    pub(crate) fn memset_zero(&self, ptr: u64, bytes: usize, op: &'static str) -> Result<()> {
        let Some(hw) = self.bound(op)? else { return Ok(()) };
        // SAFETY: callers pass a range inside one of this device's blocks; queued on the stream.
        unsafe { result::memset_d8_async(ptr, 0, bytes, hw.stream.cu_stream()) }
            .map_err(|e| self.driver_err(op, "memset", e))
    }

    /// Queues a copy of `bytes` from `src` to `dst` (device addresses).
    pub(crate) fn copy_dtod(&self, dst: u64, src: u64, bytes: usize, op: &'static str) -> Result<()> {
        let Some(hw) = self.bound(op)? else { return Ok(()) };
        // SAFETY: callers pass ranges inside this device's blocks; queued on the stream.
        unsafe { result::memcpy_dtod_async(dst, src, bytes, hw.stream.cu_stream()) }
            .map_err(|e| self.driver_err(op, "copying device to device", e))
    }

    /// Queues a copy of host elements to `dst`. A copy from pageable host memory returns once the
    /// data is staged, so `src` may go away afterwards.
    pub(crate) fn upload<T>(&self, dst: u64, src: &[T], op: &'static str) -> Result<()> {
        let Some(hw) = self.bound(op)? else { return Ok(()) };
        // SAFETY: `dst` is a block holding `src.len()` elements of T; queued on the stream.
        unsafe { result::memcpy_htod_async(dst, src, hw.stream.cu_stream()) }
            .map_err(|e| self.driver_err(op, "copying host to device", e))
    }

    /// Copies device elements at `src` into `dst` and waits for them (and all queued work).
    pub(crate) fn download<T>(&self, dst: &mut [T], src: u64, op: &'static str) -> Result<()> {
        if !dst.is_empty()
            && let Some(hw) = self.bound(op)?
        {
            // SAFETY: `src` holds `dst.len()` elements of T; the stream is synchronized below
            // before `dst` is read.
            unsafe { result::memcpy_dtoh_async(dst, src, hw.stream.cu_stream()) }
                .map_err(|e| self.driver_err(op, "copying device to host", e))?;
        }
        self.sync(op)
    }

    /// Runs a batched product through cuBLAS (f32 or f64). A recording device checks cuBLAS's
    /// argument rules and records the call.
    pub(crate) fn gemm(&self, dtype: DType, g: &Gemm, op: &'static str) -> Result<()> {
        let blas_err = |reason: String| Error::Cublas { op, device: self.device(), reason };
        g.check().map_err(blas_err)?;
        // TF32 applies to f32 only, and only when the user asked for it (as PyTorch's default).
        let tf32 = dtype == DType::F32 && crate::allow_tf32();
        let Some(hw) = self.bound(op)? else {
            self.record(format!("gemm_{dtype}{} {:?}", if tf32 { "_tf32" } else { "" }, g.dims()));
            return Ok(());
        };
        let blas = hw.blas.get_or_init(|| {
            // SAFETY: only probes whether the library loads.
            if !unsafe { cudarc::cublas::sys::is_culib_present() } {
                return Err("libcublas (CUDA 13 or 12) could not be loaded".to_owned());
            }
            CudaBlas::new(hw.stream.clone()).map_err(|e| format!("{e:?} (creating the handle)"))
        });
        let handle = *blas.as_ref().map_err(|r| blas_err(r.clone()))?.handle();
        use cudarc::cublas::{result as b, sys::cublasOperation_t as T};
        let t = |x: bool| if x { T::CUBLAS_OP_T } else { T::CUBLAS_OP_N };
        // SAFETY: the pointers address live blocks of this device holding every element the
        // sizes, leading dims and batch strides reach (the caller derives them from the layouts);
        // the handle is bound to the device's stream and its context is current; alpha and beta
        // are host scalars.
        let status = unsafe {
            if dtype == DType::F32 {
                use cudarc::cublas::sys::cublasMath_t as M;
                let mode = if tf32 { M::CUBLAS_TF32_TENSOR_OP_MATH } else { M::CUBLAS_DEFAULT_MATH };
                cudarc::cublas::sys::cublasSetMathMode(handle, mode)
                    .result()
                    .map_err(|e| blas_err(format!("{e:?} (setting the math mode)")))?;
                let (alpha, beta) = (1f32, 0f32);
                b::sgemm_strided_batched(
                    handle,
                    t(g.transa),
                    t(g.transb),
                    g.m,
                    g.n,
                    g.k,
                    &alpha,
                    g.a as *const f32,
                    g.lda,
                    g.stride_a,
                    g.b as *const f32,
                    g.ldb,
                    g.stride_b,
                    &beta,
                    g.c as *mut f32,
                    g.ldc,
                    g.stride_c,
                    g.batch,
                )
            } else {
                let (alpha, beta) = (1f64, 0f64);
                b::dgemm_strided_batched(
                    handle,
                    t(g.transa),
                    t(g.transb),
                    g.m,
                    g.n,
                    g.k,
                    &alpha,
                    g.a as *const f64,
                    g.lda,
                    g.stride_a,
                    g.b as *const f64,
                    g.ldb,
                    g.stride_b,
                    &beta,
                    g.c as *mut f64,
                    g.ldc,
                    g.stride_c,
                    g.batch,
                )
            }
        };
        status.map_err(|e| blas_err(format!("{e:?} (gemm_strided_batched)")))
    }

    /// Waits for the stream, then reports an out-of-bounds index a kernel raised since the last check.
    pub(crate) fn sync(&self, op: &'static str) -> Result<()> {
        self.syncs.fetch_add(1, Ordering::Relaxed);
        let Some(hw) = self.bound(op)? else { return Ok(()) };
        hw.stream.synchronize().map_err(|e| self.driver_err(op, "synchronizing the stream", e))?;
        let mut word = [0i32; 1];
        // SAFETY: the error word is a live 4-byte allocation; the stream is idle.
        unsafe { result::memcpy_dtoh_sync(&mut word, hw.error_word) }
            .map_err(|e| self.driver_err(op, "reading the error word", e))?;
        if word[0] == 0 {
            return Ok(());
        }
        // SAFETY: as above.
        unsafe { result::memset_d8_sync(hw.error_word, 0, 4) }
            .map_err(|e| self.driver_err(op, "clearing the error word", e))?;
        let kernel = match word[0] {
            1 => "index_select",
            2 => "gather",
            3 => "scatter_add",
            _ => "index_add",
        };
        Err(Error::DeviceIndex { op, device: self.device(), kernel })
    }
}

/// A GPU as a [`DeviceBackend`]: what [`crate::init`] registers with the tensor core, one per GPU.
///
/// ```
/// use ferrite_tensor::Device;
/// if ferrite_cuda::init()? > 0 {
///     let gpu = ferrite_cuda::device(Device::Cuda(0))?;
///     let (in_use, cached) = gpu.memory_stats();
///     println!("{}: {in_use} bytes in use, {cached} cached", gpu.name()?);
/// }
/// # Ok::<(), ferrite_cuda::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CudaDevice(pub(crate) Arc<Gpu>);

impl CudaDevice {
    pub(crate) fn new(ordinal: usize) -> Result<Self> {
        Ok(CudaDevice(Arc::new(Gpu::new(ordinal)?)))
    }

    /// A device with no GPU behind it, for tests of the dispatch layer: storages get fake
    /// addresses, nothing is copied, and each launch is checked against its kernel's parameters
    /// in the PTX and recorded (see [`CudaDevice::recorded_launches`]) instead of run. Values read
    /// back are zeros. Not registered with the tensor core.
    #[doc(hidden)]
    pub fn recording(ordinal: usize) -> Self {
        CudaDevice(Arc::new(Gpu::with(ordinal, None)))
    }

    /// A recording device's launches so far (kernel names, and `gemm_*` calls), emptying the list.
    #[doc(hidden)]
    pub fn recorded_launches(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.launches.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The device's ordinal (`cuda:N`).
    pub fn ordinal(&self) -> usize {
        self.0.ordinal
    }

    /// The GPU's name, as the driver reports it (`"recording"` for a recording device).
    pub fn name(&self) -> Result<String> {
        match &self.0.hw {
            Some(hw) => hw.ctx.name().map_err(|e| self.0.driver_err("name", "querying the name", e)),
            None => Ok("recording".to_owned()),
        }
    }

    /// (bytes held by live storages, bytes kept in the allocator's cache for reuse).
    pub fn memory_stats(&self) -> (usize, usize) {
        self.0.cache.lock().unwrap_or_else(|e| e.into_inner()).stats()
    }

    /// How many times the host has waited for this device so far (each read-back: `item`,
    /// `to_vec`, printing; and each `synchronize`). Ops themselves never wait, so a training step
    /// should add exactly one (its loss read-back): a test can count.
    pub fn sync_count(&self) -> usize {
        self.0.syncs.load(Ordering::Relaxed)
    }

    /// Waits for queued work, then returns every cached block to the driver (PyTorch's
    /// `torch.cuda.empty_cache()`).
    pub fn empty_cache(&self) -> Result<()> {
        let mut cache = self.0.cache.lock().unwrap_or_else(|e| e.into_inner());
        self.0.free_cached(&mut cache, "empty_cache")
    }

    /// A storage of `len` elements of `dtype`, its contents not yet written.
    pub(crate) fn uninit(&self, len: usize, dtype: DType, op: &'static str) -> Result<CudaStorage> {
        CudaStorage::uninit(&self.0, len, dtype, op)
    }
}

impl DeviceBackend for CudaDevice {
    fn device(&self) -> Device {
        self.0.device()
    }

    fn zeros(&self, shape: &Shape, dtype: DType) -> ferrite_tensor::Result<Box<dyn BackendStorage>> {
        let s = self.uninit(shape.numel(), dtype, "zeros")?;
        if s.bytes() > 0 {
            self.0.memset_zero(s.ptr(), s.bytes(), "zeros")?;
        }
        Ok(Box::new(s))
    }

    fn upload(&self, data: &CpuStorage) -> ferrite_tensor::Result<Box<dyn BackendStorage>> {
        let s = self.uninit(data.len(), data.dtype(), "to")?;
        if s.bytes() > 0 {
            // Bool is one byte, 0 or 1, in both places.
            match data {
                CpuStorage::Bool(v) => self.0.upload(s.ptr(), v, "to")?,
                CpuStorage::U8(v) => self.0.upload(s.ptr(), v, "to")?,
                CpuStorage::I64(v) => self.0.upload(s.ptr(), v, "to")?,
                CpuStorage::F32(v) => self.0.upload(s.ptr(), v, "to")?,
                CpuStorage::F64(v) => self.0.upload(s.ptr(), v, "to")?,
            }
        }
        Ok(Box::new(s))
    }

    fn synchronize(&self) -> ferrite_tensor::Result<()> {
        Ok(self.0.sync("synchronize")?)
    }
}
