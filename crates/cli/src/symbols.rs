//! Function names for addresses: an ELF object's symbol table, read once and searched by
//! address (crash reports look up one address, profiles thousands).

use object::{Object, ObjectSymbol, SymbolKind};

/// An object's functions, sorted by start address.
pub struct SymbolTable {
    /// (start, size (0: unknown), demangled name); one entry per start.
    syms: Vec<(u64, u64, String)>,
}

/// How far back a lookup walks past symbols that end before the address (nested or
/// overlapping symbols: a local label inside a function, an alias of another size).
const WALK_BACK: usize = 16;

impl SymbolTable {
    /// The functions of the ELF image `data`: its .symtab, else its .dynsym (stripped binaries
    /// keep the latter). None if it is not an ELF object or has neither.
    pub fn parse(data: &[u8]) -> Option<SymbolTable> {
        let file = object::File::parse(data).ok()?;
        let mut syms = collect(file.symbols());
        if syms.is_empty() {
            syms = collect(file.dynamic_symbols());
        }
        if syms.is_empty() {
            return None;
        }
        // One entry per start address, a sized (real function) symbol preferred.
        syms.sort_by(|a, b| a.0.cmp(&b.0).then((b.1 != 0).cmp(&(a.1 != 0))));
        syms.dedup_by_key(|s| s.0);
        Some(SymbolTable { syms })
    }

    /// The function containing `addr` (a link-time address, bias already removed):
    /// `(name, offset into it)`. A symbol without a size covers everything up to the next.
    pub fn lookup(&self, addr: u64) -> Option<(&str, u64)> {
        let end = self.syms.partition_point(|s| s.0 <= addr);
        self.syms[..end]
            .iter()
            .rev()
            .take(WALK_BACK)
            .find(|(start, size, _)| *size == 0 || addr < start + size)
            .map(|(start, _, name)| (name.as_str(), addr - start))
    }
}

fn collect<'d, S: ObjectSymbol<'d>>(syms: impl Iterator<Item = S>) -> Vec<(u64, u64, String)> {
    syms.filter(|s| matches!(s.kind(), SymbolKind::Text | SymbolKind::Unknown))
        .filter(|s| !s.is_undefined() && s.address() != 0)
        .filter_map(|s| {
            let name = s.name().ok().filter(|n| !n.is_empty())?;
            // Rust symbols (the kernel's, or a Rust app's) read better demangled, without the
            // hash; other names pass through unchanged.
            let name = format!("{:#}", rustc_demangle::demangle(name));
            Some((s.address(), s.size(), name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sized_unsized_and_nested() {
        let t = SymbolTable {
            syms: vec![
                (0x100, 0x50, "outer".into()),
                (0x120, 0x8, "label".into()),
                (0x200, 0, "unsized".into()),
            ],
        };
        assert_eq!(t.lookup(0x0ff), None);
        assert_eq!(t.lookup(0x100), Some(("outer", 0)));
        assert_eq!(t.lookup(0x124), Some(("label", 4)));
        // Past the nested label's end, still inside the outer function.
        assert_eq!(t.lookup(0x130), Some(("outer", 0x30)));
        // In no sized function, and before the unsized one.
        assert_eq!(t.lookup(0x160), None);
        assert_eq!(t.lookup(0x5000), Some(("unsized", 0x4e00)));
    }
}
