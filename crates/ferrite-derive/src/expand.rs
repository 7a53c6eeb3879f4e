//! The code `#[derive(Module)]` writes: an `impl ModuleBase` (children, parameters, buffers, train
//! flag, type name, `as_any`) and an `impl Display` that prints PyTorch's repr.

use crate::fields::{self, Field, Role};
use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, GenericParam, Generics, Ident, Path};

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let data = match &input.data {
        Data::Struct(s) => s,
        Data::Enum(e) => {
            return Err(syn::Error::new_spanned(
                e.enum_token,
                "#[derive(Module)] works on structs with named fields, not enums; to switch between \
                 layers, hold them as fields and choose in `forward`",
            ));
        }
        Data::Union(u) => {
            return Err(syn::Error::new_spanned(
                u.union_token,
                "#[derive(Module)] works on structs, not unions",
            ));
        }
    };
    if let Some(lt) = input.generics.lifetimes().next() {
        return Err(syn::Error::new_spanned(
            lt,
            "#[derive(Module)] does not support lifetime parameters: a module owns its layers \
             (`ModuleBase: Any` needs `'static`); hold shared layers as `Arc<_>`",
        ));
    }
    let krate = fields::struct_attrs(&input.attrs)?.krate;
    let fields = fields::fields(&data.fields)?;
    let ident = &input.ident;
    let name = ident.to_string();

    let generics = bounded_generics(&input.generics, ident, &fields, &krate);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    // A generic struct is Display where it is a Module; a plain one needs no bound (a missing
    // `impl Module` is then reported once, not again as an unsatisfiable where clause).
    let mut display_generics = generics.clone();
    if input.generics.type_params().next().is_some() {
        display_generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(#ident #ty_generics: #krate::Module));
    }
    let (display_impl_generics, _, display_where) = display_generics.split_for_impl();

    let children = children_fn(&fields, &krate);
    let parameters = parameters_fn(&fields, &krate);
    let buffers = buffers_fn(&fields, &krate);
    let training = training_fn(&fields, &krate);
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #krate::ModuleBase for #ident #ty_generics #where_clause {
            fn type_name(&self) -> ::std::string::String {
                ::std::string::String::from(#name)
            }
            #children
            #parameters
            #buffers
            #training
            fn as_any(&self) -> &dyn ::std::any::Any {
                self
            }
        }

        #[automatically_derived]
        impl #display_impl_generics ::std::fmt::Display for #ident #ty_generics #display_where {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&#krate::repr(self))
            }
        }
    })
}

/// The struct's generics plus what `ModuleBase` needs of them: every type parameter `'static`
/// (for `Any`), the struct `Send + Sync`, and each child field that names a type parameter
/// `Children`, so `struct Residual<M> { inner: M }` needs no bounds written by hand.
fn bounded_generics(generics: &Generics, ident: &Ident, fields: &[Field], krate: &Path) -> Generics {
    let mut out = generics.clone();
    let params: Vec<Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    if params.is_empty() {
        return out;
    }
    for p in out.params.iter_mut() {
        if let GenericParam::Type(t) = p {
            t.bounds.push(syn::parse_quote!('static));
        }
    }
    let (_, ty_generics, _) = generics.split_for_impl();
    let wc = out.make_where_clause();
    wc.predicates.push(syn::parse_quote!(#ident #ty_generics: ::std::marker::Send + ::std::marker::Sync));
    for f in fields.iter().filter(|f| matches!(f.role, Role::Child | Role::Flatten)) {
        if mentions(f.ty.to_token_stream(), &params) {
            let ty = &f.ty;
            wc.predicates.push(syn::parse_quote!(#ty: #krate::Children));
        }
    }
    out
}

/// True when the tokens name one of `params` (a type parameter inside `Vec<M>`, `Arc<M>`).
fn mentions(tokens: TokenStream, params: &[Ident]) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => params.contains(&i),
        TokenTree::Group(g) => mentions(g.stream(), params),
        _ => false,
    })
}

fn children_fn(fields: &[Field], krate: &Path) -> TokenStream {
    let pushes: Vec<TokenStream> = fields
        .iter()
        .filter_map(|f| {
            let (ident, name) = (&f.ident, &f.name);
            // Spanned at the field's type, so "`Foo` is not a module" points at the field.
            let span = f.ty.span();
            match f.role {
                Role::Child => Some(quote_spanned! {span=>
                    #krate::Children::push_children(&self.#ident, #name, &mut children);
                }),
                Role::Flatten => Some(quote_spanned! {span=>
                    #krate::Children::push_flattened(&self.#ident, &mut children);
                }),
                _ => None,
            }
        })
        .collect();
    if pushes.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn children(&self) -> ::std::vec::Vec<(::std::string::String, &dyn #krate::Module)> {
            let mut children = ::std::vec::Vec::new();
            #(#pushes)*
            children
        }
    }
}

fn parameters_fn(fields: &[Field], krate: &Path) -> TokenStream {
    let pushes: Vec<TokenStream> = fields
        .iter()
        .filter_map(|f| {
            let (ident, name) = (&f.ident, &f.name);
            match f.role {
                Role::Parameter => Some(quote! {
                    params.push((::std::string::String::from(#name), ::std::clone::Clone::clone(&self.#ident)));
                }),
                Role::OptionParameter => Some(quote! {
                    if let ::std::option::Option::Some(p) = &self.#ident {
                        params.push((::std::string::String::from(#name), ::std::clone::Clone::clone(p)));
                    }
                }),
                Role::VecParameter => Some(quote! {
                    for (i, p) in self.#ident.iter().enumerate() {
                        params.push((::std::format!("{}.{}", #name, i), ::std::clone::Clone::clone(p)));
                    }
                }),
                _ => None,
            }
        })
        .collect();
    if pushes.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn own_parameters(&self) -> ::std::vec::Vec<(::std::string::String, #krate::Parameter)> {
            let mut params = ::std::vec::Vec::new();
            #(#pushes)*
            params
        }
    }
}

fn buffers_fn(fields: &[Field], krate: &Path) -> TokenStream {
    let pushes: Vec<TokenStream> = fields
        .iter()
        .filter_map(|f| {
            let (ident, name) = (&f.ident, &f.name);
            match f.role {
                Role::Buffer => Some(quote! {
                    buffers.push((::std::string::String::from(#name), ::std::clone::Clone::clone(&self.#ident)));
                }),
                Role::OptionBuffer => Some(quote! {
                    if let ::std::option::Option::Some(b) = &self.#ident {
                        buffers.push((::std::string::String::from(#name), ::std::clone::Clone::clone(b)));
                    }
                }),
                _ => None,
            }
        })
        .collect();
    if pushes.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn own_buffers(&self) -> ::std::vec::Vec<(::std::string::String, #krate::__private::Tensor)> {
            let mut buffers = ::std::vec::Vec::new();
            #(#pushes)*
            buffers
        }
    }
}

fn training_fn(fields: &[Field], krate: &Path) -> TokenStream {
    match fields.iter().find(|f| f.role == Role::Training) {
        Some(f) => {
            let ident = &f.ident;
            quote! {
                fn training_flag(&self) -> ::std::option::Option<&#krate::Training> {
                    ::std::option::Option::Some(&self.#ident)
                }
            }
        }
        None => TokenStream::new(),
    }
}
