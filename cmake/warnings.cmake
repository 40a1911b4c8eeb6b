# Strict warnings for every project target (STYLE.md habit 9).
function(cdop_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wconversion
    -Wstrict-prototypes -Wmissing-prototypes -Wvla
    -fstack-protector-strong)
  if(CDOP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
