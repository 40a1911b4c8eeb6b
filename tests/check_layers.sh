#!/usr/bin/env bash
# The layers of STYLE.md: a file may include only headers of its own layer
# or of a layer below it, and only cli/ and web/ may print to the
# terminal. Order, lowest first: crypto forms | store cases panel report | cli web.
# One awk reads every file (a sed and two greps per file took 5 s of CPU).
set -u
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$src"
shopt -s nullglob
files=(crypto/*.[ch] forms/*.[ch] cdop/*/*.[ch])
[ ${#files[@]} -gt 0 ] || { echo "layers: 0 includes checked, 0 violations"; exit 0; }
awk '
# rank(LAYER): the layer height
function rank(l) {
  if (l == "crypto" || l == "forms") return 0
  if (l == "store") return 1; if (l == "cases") return 2; if (l == "panel") return 3
  if (l == "report") return 4; if (l == "cli" || l == "web") return 5
  return 9
}
function violation(msg) { print msg; fails++ }
# endfile: a library file that prints (outside comments) is named, with
# its first three matching lines
function endfile() {
  if (file != "" && mine < 5 && printing) {
    print file ": a library file prints to the terminal:"
    for (i = 1; i <= nshown; i++) print shown[i]
  }
}
FNR == 1 {
  endfile()
  file = FILENAME; printing = 0; nshown = 0
  layer = file; if (layer ~ /^cdop\//) sub(/^cdop\//, "", layer); sub(/\/.*/, "", layer)
  mine = rank(layer)
}
/^[ \t]*#[ \t]*include[ \t]+"[^"]+"/ {
  inc = $0; sub(/^[ \t]*#[ \t]*include[ \t]+"/, "", inc); sub(/".*/, "", inc)
  if (inc ~ /^cdop\/[^\/]*\//) { other = inc; sub(/^cdop\//, "", other); sub(/\/.*/, "", other) }
  else if (inc ~ /^(crypto|forms)\//) { other = inc; sub(/\/.*/, "", other) }
  else if (inc ~ /^cdop\//) { violation(file ": includes \047" inc "\047, a header outside every layer"); next }
  else next
  theirs = rank(other)
  checked++
  # crypto and forms are side by side at the bottom and independent.
  if (theirs > mine || (mine == 0 && other != layer))
    violation(file ": layer \047" layer "\047 includes \047" inc "\047 from layer \047" other "\047 above or beside it")
  # The two front ends are side by side and include nothing of each
  # other: cli starts the server through its own declaration of web entry
  # point (web_ui_main; cmake/front_ends.c checks the two agree).
  if ((layer == "web" && other == "cli") || (layer == "cli" && other == "web"))
    violation(file ": front end \047" layer "\047 includes \047" inc "\047 from front end \047" other "\047")
  # Another layer internal header is private to it.
  if (other != layer && inc ~ /_int\.h$/)
    violation(file ": includes \047" inc "\047, an internal header of layer \047" other "\047")
}
# Only the front ends print: the libraries return errors and messages.
mine < 5 && (/(^|[^A-Za-z0-9_])(printf|puts|perror)\(/ || /(^|[^A-Za-z0-9_])(stderr|stdout)([^A-Za-z0-9_]|$)/) {
  if (nshown < 3) shown[++nshown] = FNR ":" $0
  if ($0 !~ /^[ \t]*(\/?\*|\/\/)/ && !printing) { printing = 1; fails++ }
}
END {
  endfile()
  print "layers: " checked + 0 " includes checked, " fails + 0 " violations"
  exit fails > 0
}' "${files[@]}"
