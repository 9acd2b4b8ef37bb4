//! The places in the payload the draft's targets take, as the engine places them for the
//! call, so that no two drafted targets collide and none lies inside another; and the names
//! already written as targets (`properties.plan`), which keep their place.

use std::collections::{HashMap, HashSet};

use crate::map::column::{self, Seg};
use crate::map::file_name::CallKind;
use crate::map::spec;
use crate::options::Typing;

/// The places in the payload the draft's targets take, as the engine places them for the call
/// (`traits.email` in a track file is `context.traits.email`), so that no two targets collide
/// and none lies inside another; each check costs a look-up per step of the target's path,
/// whatever the number of columns.
pub(super) struct Taken {
    call: CallKind,
    /// Every taken place, as its display path (`properties.products[0].sku`).
    places: HashSet<String>,
    /// Every step on the way to a taken place (`properties`, `properties.products`), and
    /// whether it holds an array (`[0]` next) or an object.
    steps: HashMap<String, bool>,
    /// Per target, the number [`Taken::unique`] tries next: the ones before it are taken.
    next: HashMap<String, usize>,
}

impl Taken {
    pub(super) fn new(call: CallKind) -> Taken {
        Taken {
            call,
            places: HashSet::new(),
            steps: HashMap::new(),
            next: HashMap::new(),
        }
    }

    /// Where the engine puts `target` in this call, or `None` when its header rules refuse it
    /// (`properties.constructor`, `context.library`, `traits.x` in an object file…).
    fn place(&self, target: &str) -> Option<Vec<Seg>> {
        let c = column::parse(target).ok()?;
        spec::place(self.call, &c, Typing::Infer)
            .ok()
            .map(|p| p.dest)
    }

    /// The steps of `dest`, each with the display path up to it and whether an index follows.
    fn steps(dest: &[Seg]) -> (Vec<(String, bool)>, String) {
        let mut at = String::new();
        let mut steps = Vec::with_capacity(dest.len());
        for (k, seg) in dest.iter().enumerate() {
            if k > 0 {
                steps.push((at.clone(), seg.in_list()));
            }
            match seg {
                Seg::Key(key) => {
                    if k > 0 {
                        at.push('.');
                    }
                    at.push_str(key);
                }
                Seg::Index(i) => {
                    at.push('[');
                    at.push_str(&i.to_string());
                    at.push(']');
                }
                Seg::Each => at.push_str("[]"),
            }
        }
        (steps, at)
    }

    /// Whether `dest` is free, taken (it, or a place inside it), or blocked: a step on its way
    /// is a taken place, or holds an array where `dest` needs an object (or the other way).
    fn state(&self, dest: &[Seg]) -> Place {
        let (steps, full) = Taken::steps(dest);
        crate::map::probe::add(steps.len() + 2);
        let blocked = steps.iter().any(|(step, array)| {
            self.places.contains(step) || self.steps.get(step).is_some_and(|a| a != array)
        });
        if blocked {
            Place::Blocked
        } else if self.places.contains(&full) || self.steps.contains_key(&full) {
            Place::Taken
        } else {
            Place::Free
        }
    }

    fn free_place(&self, dest: &[Seg]) -> bool {
        self.state(dest) == Place::Free
    }

    /// Whether `target` is a place the engine takes and no other target has.
    pub(super) fn is_free(&self, target: &str) -> bool {
        self.place(target).is_some_and(|d| self.free_place(&d))
    }

    /// Takes `target` when it is free.
    pub(super) fn take(&mut self, target: &str) -> bool {
        let Some(dest) = self.place(target) else {
            return false;
        };
        if !self.free_place(&dest) {
            return false;
        }
        let (steps, full) = Taken::steps(&dest);
        crate::map::probe::add(steps.len() + 1);
        self.steps.extend(steps);
        self.places.insert(full);
        true
    }

    /// `target`, or with a number after it when another column has it already (`properties.plan2`);
    /// `None` when no number makes it a place the engine takes and no other target blocks.
    pub(super) fn unique(&mut self, target: &str) -> Option<String> {
        let mut n = self.next.get(target).copied().unwrap_or(1);
        loop {
            let t = if n == 1 {
                target.to_string()
            } else {
                format!("{target}{n}")
            };
            n += 1;
            let Some(dest) = self.place(&t) else {
                // A number does not make a refused path one the engine takes.
                if n > 2 {
                    return None;
                }
                continue;
            };
            match self.state(&dest) {
                Place::Taken => continue,
                // A number changes only the last key: the step in the way stays.
                Place::Blocked => return None,
                Place::Free => {
                    self.take(&t);
                    self.next.insert(target.to_string(), n);
                    return Some(t);
                }
            }
        }
    }
}

/// Whether a place in the payload can be a target's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Free,
    /// Another target has it, or a place inside it.
    Taken,
    /// Another target's place, or a different kind of container, is on its way.
    Blocked,
}

/// The name itself, when it is a target in header syntax whose first key is one of Segment's
/// fields for `call` (objects and aliases keep to their own few names).
pub(super) fn header_syntax(name: &str, call: CallKind) -> Option<String> {
    let c = crate::map::column::parse(name).ok()?;
    let head = c.head();
    let nested = c.path.len() > 1;
    let ok = match call {
        CallKind::Object => head == "id" && !nested,
        CallKind::Alias => matches!(head, "userId" | "previousId") && !nested,
        _ => {
            let top: &[&str] = match call {
                CallKind::Track => &["event"],
                CallKind::Page | CallKind::Screen => &["name", "category"],
                CallKind::Group => &["groupId"],
                _ => &[],
            };
            let container = match call {
                CallKind::Identify | CallKind::Group => "traits",
                _ => "properties",
            };
            // `traits.*` in an event file goes to context.traits, by the header rules.
            let events = container == "properties";
            if nested {
                matches!(head, "context" | "integrations" | "traits")
                    && (events || head != "traits")
                    || head == container
            } else {
                matches!(head, "userId" | "anonymousId" | "timestamp") || top.contains(&head)
            }
        }
    };
    ok.then(|| name.trim().to_string())
}
