//! A selection in a scrolling list: the selected index and the first visible row.

/// Selected index and scroll offset; the view reads both and never changes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub index: usize,
    pub offset: usize,
}

impl Cursor {
    /// Move by `delta` rows within `len`, then scroll so the selection is inside `height` rows.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        let last = len.saturating_sub(1);
        self.index = self.index.saturating_add_signed(delta).min(last);
        self.reveal(len, height);
    }

    pub fn set(&mut self, index: usize, len: usize, height: usize) {
        self.index = index.min(len.saturating_sub(1));
        self.reveal(len, height);
    }

    /// Keep the selection visible and the view full when the list or the window changed.
    pub fn reveal(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        self.index = self.index.min(len.saturating_sub(1));
        if self.index < self.offset {
            self.offset = self.index;
        } else if self.index >= self.offset + height {
            self.offset = self.index + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_scrolls_just_enough_and_stops_at_the_ends() {
        let mut c = Cursor::default();
        c.move_by(1, 100, 10);
        assert_eq!(
            c,
            Cursor {
                index: 1,
                offset: 0
            }
        );
        c.move_by(10, 100, 10);
        assert_eq!(
            c,
            Cursor {
                index: 11,
                offset: 2
            }
        );
        c.move_by(-100, 100, 10);
        assert_eq!(
            c,
            Cursor {
                index: 0,
                offset: 0
            }
        );
        c.move_by(1000, 100, 10);
        assert_eq!(
            c,
            Cursor {
                index: 99,
                offset: 90
            }
        );
    }

    #[test]
    fn shrinking_the_list_pulls_the_view_back() {
        let mut c = Cursor {
            index: 99,
            offset: 90,
        };
        c.reveal(20, 10);
        assert_eq!(
            c,
            Cursor {
                index: 19,
                offset: 10
            }
        );
        c.reveal(0, 10);
        assert_eq!(
            c,
            Cursor {
                index: 0,
                offset: 0
            }
        );
    }
}
