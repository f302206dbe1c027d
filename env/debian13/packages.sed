# Debian 12 package name -> Debian 13 (trixie) name, for env/packages.txt entries whose name changed.
# sed script applied to the package list by env/debian13/root.sh; a name not listed here is the same in trixie.
# (none of the current env/packages.txt names differ; the ICU the .NET SDK needs is an extra, see extra.txt)
