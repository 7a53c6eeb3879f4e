//! A restricted unpickler: the opcodes `torch.save` emits for a state dict (protocol 2, plus the
//! few protocol-4 ones that are pure data), building plain values. Globals come from an
//! allow-list and are never called: `REDUCE` on one of them builds a description of a tensor,
//! an empty `OrderedDict` or a parameter, so a file cannot run code.

use crate::Malformed;
use ferrite_tensor::DType;
use std::collections::HashMap;
use std::rc::Rc;

/// A raw storage a tensor refers to: `archive/data/<key>`, `numel` elements of `dtype`.
#[derive(Debug)]
pub(crate) struct StorageRef {
    pub dtype: DType,
    pub key: String,
    pub numel: u64,
}

/// The arguments of `torch._utils._rebuild_tensor_v2`: a strided view of a storage.
#[derive(Debug)]
pub(crate) struct TensorSpec {
    pub storage: Rc<StorageRef>,
    pub offset: u64,
    pub size: Vec<u64>,
    pub stride: Vec<u64>,
}

/// An allowed global.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Global {
    OrderedDict,
    RebuildTensorV2,
    RebuildParameter,
    Storage(DType),
}

/// A pickled value. Containers are `Rc`, so the memo shares rather than copies them: a pickle
/// that refers to one object many times cannot blow up memory.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    None,
    /// A bool (its value is not needed: only `requires_grad` flags are bools).
    Bool,
    Int(i64),
    /// A float (none is needed in a state dict; kept so the pickle parses).
    Float,
    Str(Rc<str>),
    Tuple(Rc<Vec<Value>>),
    List(Rc<Vec<Value>>),
    Dict(Rc<Vec<(Value, Value)>>),
    Global(Global),
    Storage(Rc<StorageRef>),
    Tensor(Rc<TensorSpec>),
}

impl Value {
    fn describe(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool => "a bool",
            Value::Int(_) => "an int",
            Value::Float => "a float",
            Value::Str(_) => "a string",
            Value::Tuple(_) => "a tuple",
            Value::List(_) => "a list",
            Value::Dict(_) => "a dict",
            Value::Global(_) => "a global",
            Value::Storage(_) => "a storage",
            Value::Tensor(_) => "a tensor",
        }
    }
}

/// Resolves `module.name` against the allow-list.
fn global(module: &str, name: &str) -> Result<Global, Malformed> {
    Ok(match (module, name) {
        ("collections", "OrderedDict") => Global::OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2") => Global::RebuildTensorV2,
        ("torch._utils", "_rebuild_parameter") => Global::RebuildParameter,
        ("torch", "FloatStorage") => Global::Storage(DType::F32),
        ("torch", "DoubleStorage") => Global::Storage(DType::F64),
        ("torch", "LongStorage") => Global::Storage(DType::I64),
        ("torch", "BoolStorage") => Global::Storage(DType::Bool),
        ("torch", "ByteStorage") => Global::Storage(DType::U8),
        _ => return Err(Malformed::ForbiddenGlobal { module: module.into(), name: name.into() }),
    })
}

struct Unpickler<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of the opcode being run, for errors.
    op_at: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
}

/// Runs the pickle in `data` and returns the object it builds.
pub(crate) fn unpickle(data: &[u8]) -> Result<Value, Malformed> {
    let mut u =
        Unpickler { data, pos: 0, op_at: 0, stack: Vec::new(), marks: Vec::new(), memo: HashMap::new() };
    loop {
        u.op_at = u.pos;
        let op = u.take(1)?[0];
        if op == b'.' {
            return u.pop();
        }
        u.step(op)?;
    }
}

impl Unpickler<'_> {
    fn err(&self, problem: impl Into<String>) -> Malformed {
        Malformed::Pickle { at: self.op_at, problem: problem.into() }
    }

    fn take(&mut self, n: usize) -> Result<&[u8], Malformed> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return Err(self.err(format!("needs {n} more bytes; the pickle ends at {}", self.data.len())));
        };
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn line(&mut self) -> Result<String, Malformed> {
        let rest = &self.data[self.pos..];
        let n = rest.iter().position(|&b| b == b'\n').ok_or_else(|| self.err("unterminated GLOBAL line"))?;
        let s =
            std::str::from_utf8(&rest[..n]).map_err(|_| self.err("GLOBAL name is not UTF-8"))?.to_string();
        self.pos += n + 1;
        Ok(s)
    }

    fn string(&mut self, n: usize) -> Result<Value, Malformed> {
        let at = self.op_at;
        let b = self.take(n)?;
        let s = std::str::from_utf8(b)
            .map_err(|_| Malformed::Pickle { at, problem: "string is not UTF-8".into() })?;
        Ok(Value::Str(s.into()))
    }

    fn pop(&mut self) -> Result<Value, Malformed> {
        if self.marks.last().is_some_and(|&m| m >= self.stack.len()) {
            return Err(self.err("pops past a MARK"));
        }
        self.stack.pop().ok_or_else(|| self.err("stack underflow"))
    }

    fn top(&mut self) -> Result<&mut Value, Malformed> {
        let at = self.op_at;
        self.stack.last_mut().ok_or(Malformed::Pickle { at, problem: "stack underflow".into() })
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>, Malformed> {
        let m = self.marks.pop().ok_or_else(|| self.err("no MARK to pop to"))?;
        Ok(self.stack.split_off(m))
    }

    fn len_u32(&mut self) -> Result<usize, Malformed> {
        Ok(u32::from_le_bytes(self.take_array()?) as usize)
    }

    fn step(&mut self, op: u8) -> Result<(), Malformed> {
        let v = match op {
            0x80 => {
                let proto = self.take(1)?[0];
                if proto > 5 {
                    return Err(self.err(format!("unknown protocol {proto}")));
                }
                return Ok(());
            }
            0x95 => {
                self.take(8)?; // FRAME: a length hint only.
                return Ok(());
            }
            b'(' => {
                self.marks.push(self.stack.len());
                return Ok(());
            }
            b'0' => {
                self.pop()?;
                return Ok(());
            }
            b'}' => Value::Dict(Rc::default()),
            b']' => Value::List(Rc::default()),
            b')' => Value::Tuple(Rc::default()),
            b't' => Value::Tuple(Rc::new(self.pop_mark()?)),
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop()?);
                }
                items.reverse();
                Value::Tuple(Rc::new(items))
            }
            b'X' => {
                let n = self.len_u32()?;
                self.string(n)?
            }
            0x8c => {
                let n = self.take(1)?[0] as usize;
                self.string(n)?
            }
            0x8d => {
                let n = u64::from_le_bytes(self.take_array()?);
                let n = usize::try_from(n).map_err(|_| self.err("string length out of range"))?;
                self.string(n)?
            }
            b'c' => {
                let (module, name) = (self.line()?, self.line()?);
                Value::Global(global(&module, &name)?)
            }
            0x93 => {
                let (name, module) = (self.pop()?, self.pop()?);
                let (Value::Str(module), Value::Str(name)) = (module, name) else {
                    return Err(self.err("STACK_GLOBAL needs two strings"));
                };
                Value::Global(global(&module, &name)?)
            }
            b'J' => Value::Int(i32::from_le_bytes(self.take_array()?) as i64),
            b'K' => Value::Int(self.take(1)?[0] as i64),
            b'M' => Value::Int(u16::from_le_bytes(self.take_array()?) as i64),
            0x8a => self.long1()?,
            b'G' => {
                self.take(8)?;
                Value::Float
            }
            0x88 | 0x89 => Value::Bool,
            b'N' => Value::None,
            b'R' => {
                let args = self.pop()?;
                let f = self.pop()?;
                self.reduce(f, args)?
            }
            b'b' => return self.build(),
            b's' => {
                let (v, k) = (self.pop()?, self.pop()?);
                return self.set_items(vec![k, v]);
            }
            b'u' => {
                let items = self.pop_mark()?;
                return self.set_items(items);
            }
            b'a' => {
                let v = self.pop()?;
                return self.append(vec![v]);
            }
            b'e' => {
                let items = self.pop_mark()?;
                return self.append(items);
            }
            b'q' => return self.put(self.data.get(self.pos).copied().map(u32::from), 1),
            b'r' => {
                let i = self
                    .data
                    .get(self.pos..self.pos + 4)
                    .map(|b| u32::from_le_bytes(b.try_into().expect("4")));
                return self.put(i, 4);
            }
            0x94 => {
                let i = u32::try_from(self.memo.len()).map_err(|_| self.err("memo full"))?;
                let v = self.top()?.clone();
                self.memo.insert(i, v);
                return Ok(());
            }
            b'h' => {
                let i = self.take(1)?[0] as u32;
                self.get(i)?
            }
            b'j' => {
                let i = u32::from_le_bytes(self.take_array()?);
                self.get(i)?
            }
            b'Q' => {
                let pid = self.pop()?;
                self.persistent(pid)?
            }
            _ => return Err(self.err(format!("opcode 0x{op:02x} is not one a state dict uses"))),
        };
        self.stack.push(v);
        Ok(())
    }

    fn long1(&mut self) -> Result<Value, Malformed> {
        let n = self.take(1)?[0] as usize;
        if n > 8 {
            return Err(self.err(format!("LONG1 of {n} bytes does not fit 64 bits")));
        }
        let b = self.take(n)?;
        let fill = if b.last().is_some_and(|&x| x & 0x80 != 0) { 0xFF } else { 0 };
        let mut full = [fill; 8];
        full[..n].copy_from_slice(b);
        Ok(Value::Int(i64::from_le_bytes(full)))
    }

    fn put(&mut self, index: Option<u32>, width: usize) -> Result<(), Malformed> {
        let i = index.ok_or_else(|| self.err("memo index runs past the end"))?;
        self.pos += width;
        let v = self.top()?.clone();
        self.memo.insert(i, v);
        Ok(())
    }

    fn get(&self, i: u32) -> Result<Value, Malformed> {
        self.memo.get(&i).cloned().ok_or_else(|| self.err(format!("memo entry {i} was never stored")))
    }

    fn set_items(&mut self, items: Vec<Value>) -> Result<(), Malformed> {
        if !items.len().is_multiple_of(2) {
            return Err(self.err("SETITEMS with an odd number of items"));
        }
        let at = self.op_at;
        let Value::Dict(d) = self.top()? else {
            return Err(Malformed::Pickle { at, problem: "SETITEM(S) on something not a dict".into() });
        };
        let d = Rc::make_mut(d);
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            d.push((k, v));
        }
        Ok(())
    }

    fn append(&mut self, items: Vec<Value>) -> Result<(), Malformed> {
        let at = self.op_at;
        let Value::List(l) = self.top()? else {
            return Err(Malformed::Pickle { at, problem: "APPEND(S) on something not a list".into() });
        };
        Rc::make_mut(l).extend(items);
        Ok(())
    }

    /// `BUILD` sets an object's state: a state dict's `OrderedDict` gets its `_metadata`
    /// (versions per submodule), which ferrite does not need, so it is dropped.
    fn build(&mut self) -> Result<(), Malformed> {
        let _state = self.pop()?;
        match self.top()? {
            Value::Dict(_) | Value::Tensor(_) => Ok(()),
            other => {
                let what = other.describe();
                Err(self.err(format!("BUILD on {what}")))
            }
        }
    }

    fn reduce(&self, f: Value, args: Value) -> Result<Value, Malformed> {
        let (Value::Global(g), Value::Tuple(args)) = (&f, &args) else {
            return Err(self.err(format!("REDUCE of {} with {}", f.describe(), args.describe())));
        };
        match (g, args.as_slice()) {
            (Global::OrderedDict, []) => Ok(Value::Dict(Rc::default())),
            (Global::RebuildTensorV2, [storage, offset, size, stride, _requires_grad, _hooks, ..])
                if args.len() <= 7 =>
            {
                let Value::Storage(storage) = storage else {
                    return Err(self.err("_rebuild_tensor_v2 without a storage"));
                };
                let spec = TensorSpec {
                    storage: storage.clone(),
                    offset: self.uint(offset)?,
                    size: self.uints(size)?,
                    stride: self.uints(stride)?,
                };
                if spec.size.len() != spec.stride.len() {
                    return Err(self.err("_rebuild_tensor_v2 with size and stride of different lengths"));
                }
                Ok(Value::Tensor(Rc::new(spec)))
            }
            (Global::RebuildParameter, [t @ Value::Tensor(_), _requires_grad, _hooks]) => Ok(t.clone()),
            _ => Err(self.err(format!("{g:?} called with {} arguments it does not take", args.len()))),
        }
    }

    fn uint(&self, v: &Value) -> Result<u64, Malformed> {
        match v {
            Value::Int(i) if *i >= 0 => Ok(*i as u64),
            _ => Err(self.err(format!("expected a non-negative int, found {}", v.describe()))),
        }
    }

    fn uints(&self, v: &Value) -> Result<Vec<u64>, Malformed> {
        let Value::Tuple(items) = v else {
            return Err(self.err(format!("expected a tuple of ints, found {}", v.describe())));
        };
        items.iter().map(|x| self.uint(x)).collect()
    }

    /// `BINPERSID` with `('storage', StorageClass, key, location, numel)`.
    fn persistent(&self, pid: Value) -> Result<Value, Malformed> {
        let Value::Tuple(t) = &pid else {
            return Err(self.err("persistent id is not a tuple"));
        };
        match t.as_slice() {
            [
                Value::Str(tag),
                Value::Global(Global::Storage(dtype)),
                Value::Str(key),
                Value::Str(_),
                numel,
            ] if &**tag == "storage" => Ok(Value::Storage(Rc::new(StorageRef {
                dtype: *dtype,
                key: key.to_string(),
                numel: self.uint(numel)?,
            }))),
            _ => Err(self.err("persistent id is not ('storage', StorageClass, key, location, numel)")),
        }
    }
}
