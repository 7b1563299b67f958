// The one CBLAS shim (DESIGN §2): the system's cblas.h. `link "blas"` resolves through Debian's
// libblas.so alternative: OpenBLAS when libopenblas is installed, reference BLAS otherwise.
#include <cblas.h>
