#!/usr/bin/env bash
# The layers of STYLE.md: a file may include only headers of its own layer
# or of a layer below it, and only cli/ and web/ may print to the
# terminal. Order, lowest first: crypto forms | store cases panel report | cli web.
set -u
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$src"
# rank LAYER: sets R to the layer's height (no subshells: this runs per include)
rank() {
  case $1 in
    crypto|forms) R=0 ;; store) R=1 ;; cases) R=2 ;; panel) R=3 ;;
    report) R=4 ;; cli|web) R=5 ;; *) R=9 ;;
  esac
}
fails=0 checked=0
for f in crypto/*.[ch] forms/*.[ch] cdop/*/*.[ch]; do
  [ -e "$f" ] || continue
  case $f in cdop/*) layer=${f#cdop/}; layer=${layer%%/*} ;; *) layer=${f%%/*} ;; esac
  rank "$layer"; mine=$R
  while IFS= read -r inc; do
    case $inc in
      cdop/*/*) other=${inc#cdop/}; other=${other%%/*} ;;
      crypto/*|forms/*) other=${inc%%/*} ;;
      cdop/*) echo "$f: includes '$inc', a header outside every layer"; fails=$((fails + 1)); continue ;;
      *) continue ;;
    esac
    rank "$other"; theirs=$R
    checked=$((checked + 1))
    # crypto and forms are side by side at the bottom and independent.
    if [ "$theirs" -gt "$mine" ] || { [ "$mine" -eq 0 ] && [ "$other" != "$layer" ]; }; then
      echo "$f: layer '$layer' includes '$inc' from layer '$other' above or beside it"
      fails=$((fails + 1))
    fi
    # The two front ends are side by side and include nothing of each
    # other: cli starts the server through its own declaration of web's
    # entry point (web_ui_main; cmake/front_ends.c checks the two agree).
    if { [ "$layer" = web ] && [ "$other" = cli ]; } ||
       { [ "$layer" = cli ] && [ "$other" = web ]; }; then
      echo "$f: front end '$layer' includes '$inc' from front end '$other'"
      fails=$((fails + 1))
    fi
    # Another layer's internal header is private to it.
    if [ "$other" != "$layer" ] && [[ $inc == *_int.h ]]; then
      echo "$f: includes '$inc', an internal header of layer '$other'"
      fails=$((fails + 1))
    fi
  done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/p' "$f")
  # Only the front ends print: the libraries return errors and messages.
  if [ "$mine" -lt 5 ] && grep -nE '\b(printf|puts|perror)\(|\b(stderr|stdout)\b' "$f" |
       grep -vE '^\s*[0-9]+:\s*(/?\*|//)' >/dev/null; then
    echo "$f: a library file prints to the terminal:"
    grep -nE '\b(printf|puts|perror)\(|\b(stderr|stdout)\b' "$f" | head -3
    fails=$((fails + 1))
  fi
done
echo "layers: $checked includes checked, $fails violations"
[ "$fails" -eq 0 ]
