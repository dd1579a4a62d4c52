/* The turnroom-admin program: all of it is admin_main (src/admin). */
#include "admin/admin.h"

int main(int argc, char **argv)
{
	return admin_main(argc, argv);
}
