# Embed files in the binary as C arrays: cdop_embed_files(OUT NAME FILES...)
# produces `const struct embedded_file NAME[]` terminated by a {0} entry.
# Each entry has the file's base name and its bytes (NUL-terminated).
# The generated file includes CDOP_EMBED_HEADER (default: the store's
# internal header), which must declare struct embedded_file.
function(cdop_embed_files out name)
  set(files ${ARGN})
  if(CDOP_EMBED_HEADER)
    set(header ${CDOP_EMBED_HEADER})
  else()
    set(header cdop/store/store_int.h)
  endif()
  # A list's semicolons would split the argument: pass it '|'-separated.
  string(REPLACE ";" "|" files_arg "${files}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAME=${name} -DHEADER=${header} "-DFILES=${files_arg}"
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding ${name}"
    VERBATIM)
endfunction()
