//! Home visits (入户走访) and their photos.
