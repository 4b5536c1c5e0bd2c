//! Regular subsidies (送温暖常态化) and their due payments.
