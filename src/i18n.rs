//! The message catalog in English and Simplified Chinese.
