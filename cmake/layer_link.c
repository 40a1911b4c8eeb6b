/* An empty program: linked with one whole layer library and the layers
 * below it, it fails to link when that layer calls a higher one. */
int main(void)
{
	return 0;
}
