/* Keeps a static library non-empty while its module has no sources yet. */
typedef int cdop_empty_unit;
