# Embed files in the binary as C arrays: cdop_embed_files(OUT NAME FILES...)
# produces `const struct embedded_file NAME[]` terminated by a {0} entry.
# Each entry has the file's base name and its bytes (NUL-terminated).
function(cdop_embed_files out name)
  set(files ${ARGN})
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAME=${name} "-DFILES=${files}"
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding ${name}")
endfunction()
