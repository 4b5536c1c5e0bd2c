//! Home visits (入户走访) with the 看·问·讲 checklist and photos.
