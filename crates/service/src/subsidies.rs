//! Regular subsidies (送温暖常态化): due payments each period, paid in batches.
