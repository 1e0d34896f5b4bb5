// The one header Swift sees of COIN-OR CBC: its C interface.
// Found through pkg-config (`cbc`, Debian package coinor-libcbc-dev), which adds -I/usr/include/coin.
#include <Cbc_C_Interface.h>
