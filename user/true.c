/*
 * true: does nothing, successfully.
 */
int
main(int argc, char **argv)
{
	return 0;
}
