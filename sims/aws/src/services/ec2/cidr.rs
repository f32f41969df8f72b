//! IPv4 CIDR blocks as EC2 checks them: parsing (`10.0.0.0/16`, host bits must be zero where
//! EC2 requires it), containment and overlap, the addresses a subnet offers (AWS reserves the
//! first four and the last one), and picking the next free address.
//!
//! Pure arithmetic: no state, no EC2 error wording (callers word the errors).

use std::net::Ipv4Addr;

/// An IPv4 block: a network address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: u32,
    pub prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`. The network is the address with its host bits cleared (EC2 accepts
    /// `10.0.0.1/16` for a VPC and answers `10.0.0.0/16`).
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = text.split_once('/')?;
        let address: Ipv4Addr = address.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        if prefix > 32 {
            return None;
        }
        Some(Cidr {
            network: u32::from(address) & mask(prefix),
            prefix,
        })
    }

    /// The number of addresses in the block.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    pub fn last(&self) -> u32 {
        self.network | !mask(self.prefix)
    }

    pub fn contains_block(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && other.network & mask(self.prefix) == self.network
    }

    pub fn contains(&self, address: Ipv4Addr) -> bool {
        u32::from(address) & mask(self.prefix) == self.network
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains_block(other) || other.contains_block(self)
    }

    /// Addresses a subnet of this block offers: AWS keeps the first four and the last.
    pub fn usable_addresses(&self) -> u64 {
        self.size().saturating_sub(5)
    }

    /// The first address a subnet hands out (network + 4), then onwards, skipping `taken`;
    /// `None` when the block is full.
    pub fn next_free(&self, taken: &[Ipv4Addr]) -> Option<Ipv4Addr> {
        let first = u64::from(self.network) + 4;
        let last = u64::from(self.last()).saturating_sub(1);
        (first..=last)
            .map(|address| Ipv4Addr::from(address as u32))
            .find(|address| !taken.contains(address))
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.network), self.prefix)
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_host_bits() {
        let block = Cidr::parse("10.0.1.7/16").unwrap();
        assert_eq!(block.to_string(), "10.0.0.0/16");
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("10.0.0/16"), None);
        assert_eq!(Cidr::parse("nonsense"), None);
    }

    #[test]
    fn containment_overlap_and_counts() {
        let vpc = Cidr::parse("10.0.0.0/16").unwrap();
        let inside = Cidr::parse("10.0.1.0/24").unwrap();
        let outside = Cidr::parse("10.1.0.0/24").unwrap();
        assert!(vpc.contains_block(&inside));
        assert!(!vpc.contains_block(&outside));
        assert!(inside.overlaps(&Cidr::parse("10.0.1.128/25").unwrap()));
        assert!(!inside.overlaps(&Cidr::parse("10.0.2.0/24").unwrap()));
        assert_eq!(inside.usable_addresses(), 251);
        assert_eq!(
            Cidr::parse("172.31.0.0/20").unwrap().usable_addresses(),
            4091
        );
    }

    #[test]
    fn hands_out_addresses_after_the_reserved_ones() {
        let subnet = Cidr::parse("10.0.1.0/29").unwrap();
        let first = subnet.next_free(&[]).unwrap();
        assert_eq!(first, Ipv4Addr::new(10, 0, 1, 4));
        let second = subnet.next_free(&[first]).unwrap();
        assert_eq!(second, Ipv4Addr::new(10, 0, 1, 5));
        assert_eq!(
            subnet.next_free(&[first, second]),
            Some(Ipv4Addr::new(10, 0, 1, 6))
        );
        let full = [first, second, Ipv4Addr::new(10, 0, 1, 6)];
        assert_eq!(subnet.next_free(&full), None);
    }
}
