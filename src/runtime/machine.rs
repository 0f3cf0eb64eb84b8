//! The machine a run was measured on: the CPU (`/proc/cpuinfo`), the vector width the build may
//! use and the cores. Every timing the book shows names it.

use serde::{Deserialize, Serialize};

/// The machine a run or report was measured on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Machine {
    /// `/proc/cpuinfo`'s model name, family and model, e.g. `AMD EPYC` family 25 model 1.
    pub cpu: String,
    pub family: String,
    pub model: String,
    /// Whether the CPU has AVX-512F (its `/proc/cpuinfo` flags).
    pub avx512f: bool,
    /// The width of the vectors the hot kernels ran at (their tier's; in reports from before
    /// tiers, the widest the build could use).
    pub vector_bits: u32,
    pub cores: usize,
    /// The instruction-set tier the run-time dispatched kernels ran at (`avx2`, ...; see
    /// [`crate::runtime::tier`]); empty in reports from before it was recorded.
    #[serde(default)]
    pub tier: String,
}

impl Machine {
    /// This machine, read from `/proc/cpuinfo` (empty fields where it cannot be read), and the
    /// tier its hot kernels run at.
    pub fn current() -> Machine {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Machine::from_cpuinfo(
            &info,
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        )
    }

    /// The machine described by the text of a `/proc/cpuinfo` (its first processor's fields).
    pub fn from_cpuinfo(info: &str, cores: usize) -> Machine {
        let field = |key: &str| {
            info.lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim() == key)
                .map_or(String::new(), |(_, v)| v.trim().to_string())
        };
        let tier = crate::runtime::tier::current();
        Machine {
            cpu: field("model name"),
            family: field("cpu family"),
            model: field("model"),
            avx512f: field("flags").split_whitespace().any(|f| f == "avx512f"),
            vector_bits: tier.vector_bits(),
            cores,
            tier: tier.name().to_string(),
        }
    }

    /// The core's generation where the family and model say it: AMD's Zen 2 to Zen 5 (AMD's
    /// family 23 is Zen and Zen 2, 25 is Zen 3 and Zen 4 by model range, 26 is Zen 5).
    pub fn generation(&self) -> Option<&'static str> {
        if !self.cpu.starts_with("AMD") {
            return None;
        }
        let model: u32 = self.model.parse().ok()?;
        match self.family.parse::<u32>().ok()? {
            23 if model >= 0x30 => Some("Zen 2"),
            25 if matches!(model, 0x10..=0x1f | 0x60..=0x7f | 0xa0..=0xaf) => Some("Zen 4"),
            25 => Some("Zen 3"),
            26 => Some("Zen 5"),
            _ => None,
        }
    }

    /// One line for a reader: `AMD EPYC (Zen 4, family 25 model 17), avx512 tier (512-bit
    /// vectors)`; reports from before tiers name only the build's vector width.
    pub fn describe(&self) -> String {
        let cpu = if self.cpu.is_empty() {
            "an unknown CPU"
        } else {
            &self.cpu
        };
        let generation = self
            .generation()
            .map_or(String::new(), |g| format!("{g}, "));
        let width = match self.tier.as_str() {
            "" => format!("{}-bit vectors", self.vector_bits),
            "baseline" => "baseline tier (scalar fused multiply-adds)".to_string(),
            tier => format!("{tier} tier ({}-bit vectors)", self.vector_bits),
        };
        format!(
            "{cpu} ({generation}family {} model {}), {width}",
            self.family, self.model
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(name: &str, family: u32, model: u32) -> Machine {
        let info = format!(
            "processor\t: 0\nvendor_id\t: x\ncpu family\t: {family}\nmodel\t\t: {model}\n\
             model name\t: {name}\nflags\t\t: fpu avx2 avx512f\n\nprocessor\t: 1\nmodel\t\t: 99\n"
        );
        Machine::from_cpuinfo(&info, 2)
    }

    #[test]
    fn reads_the_first_processor_and_names_amd_generations() {
        let m = cpu("AMD EPYC 9R14", 25, 17);
        assert_eq!((m.family.as_str(), m.model.as_str()), ("25", "17"));
        assert!(m.avx512f);
        assert_eq!(m.generation(), Some("Zen 4"));
        assert_eq!(cpu("AMD EPYC 7R13", 25, 1).generation(), Some("Zen 3"));
        assert_eq!(cpu("AMD EPYC 9R45", 26, 2).generation(), Some("Zen 5"));
        assert_eq!(cpu("Intel(R) Xeon(R)", 6, 143).generation(), None);
        assert!(
            cpu("AMD EPYC", 26, 2)
                .describe()
                .starts_with("AMD EPYC (Zen 5, family 26 model 2), ")
        );
        let unknown = Machine::from_cpuinfo("", 1);
        assert_eq!(unknown.generation(), None);
        assert!(unknown.describe().starts_with("an unknown CPU"));
    }
}
