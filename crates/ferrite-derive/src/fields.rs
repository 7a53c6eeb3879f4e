//! What each field of a `#[derive(Module)]` struct is: read from its type (syntactically, as
//! PyTorch's `__setattr__` reads the runtime type) and from its `#[module(..)]`/`#[buffer]` attributes.

use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Fields, GenericArgument, Ident, LitStr, Path, PathArguments, Type, TypeParamBound};

/// The role a field plays in the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// `Parameter`: a parameter named after the field.
    Parameter,
    /// `Option<Parameter>`: a parameter when `Some` (PyTorch's `register_parameter(name, None)`).
    OptionParameter,
    /// `Vec<Parameter>`: parameters `field.0`, `field.1`, ...
    VecParameter,
    /// `#[buffer] Tensor`.
    Buffer,
    /// `#[buffer] Option<Tensor>`: a buffer when `Some`.
    OptionBuffer,
    /// `Training`: the module's own train/eval flag.
    Training,
    /// Anything else: registered through `Children` under the field's name.
    Child,
    /// `#[module(flatten)]`: the field's children are registered directly (`0`, `1`, ...).
    Flatten,
    /// Tensors without `#[buffer]`, numbers, bool, String, and `#[module(skip)]`: not registered.
    Skip,
}

/// One named field and its role.
pub(crate) struct Field {
    pub ident: Ident,
    /// The registered name: the field's name without a raw-identifier prefix.
    pub name: String,
    pub ty: Type,
    pub role: Role,
}

/// Options on the struct itself.
pub(crate) struct StructAttrs {
    /// Where `ModuleBase`, `Children`, ... live: `::ferrite_nn`, or `ferrite::nn` through the facade.
    pub krate: Path,
}

/// Reads `#[module(crate = "path")]`.
pub(crate) fn struct_attrs(attrs: &[Attribute]) -> syn::Result<StructAttrs> {
    let mut krate: Path = syn::parse_quote!(::ferrite_nn);
    for attr in attrs {
        if attr.path().is_ident("buffer") {
            return Err(syn::Error::new_spanned(
                attr,
                "#[buffer] goes on a `Tensor` field, not on the struct",
            ));
        }
        if !attr.path().is_ident("module") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = meta.value()?.parse::<LitStr>()?.parse()?;
                Ok(())
            } else {
                Err(meta.error("unknown #[module] option on a struct; expected `crate = \"path::to::nn\"`"))
            }
        })?;
    }
    Ok(StructAttrs { krate })
}

/// Classifies every field; errors on tuple structs and misplaced attributes.
pub(crate) fn fields(fields: &Fields) -> syn::Result<Vec<Field>> {
    let named = match fields {
        Fields::Named(named) => named,
        Fields::Unit => return Ok(Vec::new()),
        Fields::Unnamed(unnamed) => {
            return Err(syn::Error::new_spanned(
                unnamed,
                "#[derive(Module)] needs named fields: PyTorch names parameters and children after \
                 attributes (`hidden.weight`), so write `struct Net { hidden: Linear }`",
            ));
        }
    };
    let mut out: Vec<Field> = Vec::new();
    for f in &named.named {
        let ident = f.ident.clone().expect("named fields have identifiers");
        let role = role(&f.attrs, &f.ty)?;
        if role == Role::Training
            && let Some(first) = out.iter().find(|g| g.role == Role::Training)
        {
            let msg = format!("a module has one train/eval flag, and `{}` is already it", first.name);
            return Err(syn::Error::new_spanned(&f.ty, msg));
        }
        out.push(Field { name: ident.unraw().to_string(), ident, ty: f.ty.clone(), role });
    }
    Ok(out)
}

/// Flags read from a field's attributes.
#[derive(Default)]
struct FieldAttrs {
    skip: bool,
    flatten: bool,
    buffer: bool,
}

fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("buffer") {
            attr.meta.require_path_only()?;
            out.buffer = true;
        } else if attr.path().is_ident("module") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("skip") {
                    out.skip = true;
                } else if meta.path.is_ident("flatten") {
                    out.flatten = true;
                } else if meta.path.is_ident("buffer") {
                    out.buffer = true;
                } else {
                    return Err(meta.error(
                        "unknown #[module] option on a field; expected `skip`, `flatten` or `buffer`",
                    ));
                }
                Ok(())
            })?;
        }
    }
    Ok(out)
}

fn role(attrs: &[Attribute], ty: &Type) -> syn::Result<Role> {
    let a = field_attrs(attrs)?;
    let err = |msg: &str| Err(syn::Error::new(ty.span(), msg));
    if a.skip {
        if a.flatten || a.buffer {
            return err("`#[module(skip)]` leaves the field out; it cannot also be flattened or a buffer");
        }
        return Ok(Role::Skip);
    }
    if a.buffer {
        if a.flatten {
            return err("a buffer cannot be flattened");
        }
        return if is_named(ty, "Tensor") {
            Ok(Role::Buffer)
        } else if wrapped(ty, "Option").is_some_and(|t| is_named(t, "Tensor")) {
            Ok(Role::OptionBuffer)
        } else {
            err("#[buffer] goes on a field of type `Tensor` or `Option<Tensor>`")
        };
    }
    let role = if is_named(ty, "Parameter") {
        Role::Parameter
    } else if wrapped(ty, "Option").is_some_and(|t| is_named(t, "Parameter")) {
        Role::OptionParameter
    } else if wrapped(ty, "Vec").is_some_and(|t| is_named(t, "Parameter")) {
        Role::VecParameter
    } else if is_named(ty, "Training") {
        Role::Training
    } else if is_plain(ty) {
        Role::Skip
    } else {
        return Ok(if a.flatten { Role::Flatten } else { Role::Child });
    };
    if a.flatten {
        return err("`#[module(flatten)]` goes on a field of modules (a `Vec` of them, a `ModuleList`)");
    }
    Ok(role)
}

/// The last segment of a plain path type (`ferrite_nn::Parameter` -> `Parameter`).
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// True when `ty` is `name` with no generic arguments (matched by last segment).
fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_none())
}

/// `X` when `ty` is `wrapper<X>` (`Option<Parameter>` -> `Parameter`).
fn wrapped<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let seg = last_segment(ty).filter(|s| s.ident == wrapper)?;
    let mut types = type_args(&seg.arguments);
    match (types.next(), types.next()) {
        (Some(t), None) => Some(t),
        _ => None,
    }
}

fn type_args(args: &PathArguments) -> impl Iterator<Item = &Type> {
    let generic = match args {
        PathArguments::AngleBracketed(a) => Some(a.args.iter()),
        _ => None,
    };
    generic.into_iter().flatten().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Types that hold no module and are never registered without an attribute.
const PLAIN: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32", "f64",
    "bool", "char", "str", "String", "Tensor",
];

/// True for types that cannot hold a module: numbers, bool, strings, tensors, and anything built
/// only of them (`Vec<usize>`, `Option<Tensor>`, `Mutex<f64>`, `[f32; 3]`, `&'static str`),
/// `PhantomData`, function pointers and `dyn Fn` closures.
fn is_plain(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let Some(seg) = p.path.segments.last() else { return false };
            if seg.ident == "PhantomData" {
                return true;
            }
            match &seg.arguments {
                PathArguments::None => PLAIN.iter().any(|n| seg.ident == n),
                PathArguments::AngleBracketed(_) => {
                    let mut args = type_args(&seg.arguments).peekable();
                    args.peek().is_some() && args.all(is_plain)
                }
                PathArguments::Parenthesized(_) => false,
            }
        }
        Type::Reference(r) => is_plain(&r.elem),
        Type::Array(a) => is_plain(&a.elem),
        Type::Slice(s) => is_plain(&s.elem),
        Type::Tuple(t) => t.elems.iter().all(is_plain),
        Type::Group(g) => is_plain(&g.elem),
        Type::Paren(p) => is_plain(&p.elem),
        Type::BareFn(_) => true,
        Type::TraitObject(t) => t.bounds.iter().any(|b| match b {
            TypeParamBound::Trait(tb) => tb
                .path
                .segments
                .last()
                .is_some_and(|s| ["Fn", "FnMut", "FnOnce"].iter().any(|f| s.ident == f)),
            _ => false,
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role_of(field: &str) -> syn::Result<Role> {
        let f: syn::FieldsNamed = syn::parse_str(&format!("{{ {field} }}")).unwrap();
        let field = f.named.first().unwrap();
        role(&field.attrs, &field.ty)
    }

    #[test]
    fn roles_follow_pytorch() {
        let cases = [
            ("w: Parameter", Role::Parameter),
            ("w: ferrite_nn::Parameter", Role::Parameter),
            ("b: Option<Parameter>", Role::OptionParameter),
            ("ps: Vec<Parameter>", Role::VecParameter),
            ("#[buffer] m: Tensor", Role::Buffer),
            ("#[module(buffer)] m: Option<Tensor>", Role::OptionBuffer),
            ("t: Training", Role::Training),
            ("x: Tensor", Role::Skip),
            ("x: Option<Tensor>", Role::Skip),
            ("n: usize", Role::Skip),
            ("n: Vec<f32>", Role::Skip),
            ("n: std::sync::Mutex<usize>", Role::Skip),
            ("s: &'static str", Role::Skip),
            ("f: Box<dyn Fn(&Tensor) -> Tensor + Send + Sync>", Role::Skip),
            ("p: PhantomData<M>", Role::Skip),
            ("#[module(skip)] l: Linear", Role::Skip),
            ("l: Linear", Role::Child),
            ("m: M", Role::Child),
            ("l: Vec<Linear>", Role::Child),
            ("l: Arc<dyn Module>", Role::Child),
            ("l: Option<Box<dyn Module>>", Role::Child),
            ("#[module(flatten)] l: Vec<Box<dyn Module>>", Role::Flatten),
        ];
        for (field, want) in cases {
            assert_eq!(role_of(field).unwrap(), want, "{field}");
        }
    }

    #[test]
    fn misplaced_attributes_are_errors() {
        let cases = [
            ("#[buffer] l: Linear", "#[buffer] goes on a field of type `Tensor`"),
            ("#[module(flatten)] w: Parameter", "`#[module(flatten)]` goes on a field of modules"),
            ("#[module(skip, flatten)] l: Linear", "cannot also be flattened"),
            ("#[module(frozen)] l: Linear", "unknown #[module] option"),
            ("#[buffer(persistent)] m: Tensor", "unexpected token"),
        ];
        for (field, want) in cases {
            let e = role_of(field).unwrap_err().to_string();
            assert!(e.contains(want), "{field}: {e}");
        }
    }
}
