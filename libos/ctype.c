/*
 * C's character classes for the "C" locale: ASCII, one table lookup.
 */
#include <ctype.h>

#define C_UPPER	0x01
#define C_LOWER	0x02
#define C_DIGIT	0x04
#define C_SPACE	0x08	/* ' ' \t \n \v \f \r */
#define C_PUNCT	0x10
#define C_CNTRL	0x20
#define C_XDIG	0x40
#define C_BLANK	0x80	/* ' ' \t */

static unsigned char
ctype_class(int c)
{
	if (c < 0 || c > 127)
		return 0;
	if (c >= 'A' && c <= 'Z')
		return C_UPPER | ((c <= 'F') ? C_XDIG : 0);
	if (c >= 'a' && c <= 'z')
		return C_LOWER | ((c <= 'f') ? C_XDIG : 0);
	if (c >= '0' && c <= '9')
		return C_DIGIT | C_XDIG;
	if (c == ' ')
		return C_SPACE | C_BLANK;
	if (c == '\t')
		return C_SPACE | C_BLANK | C_CNTRL;
	if (c >= '\n' && c <= '\r')
		return C_SPACE | C_CNTRL;
	if (c < 32 || c == 127)
		return C_CNTRL;
	return C_PUNCT;
}

int isalnum(int c) { return (ctype_class(c) & (C_UPPER | C_LOWER | C_DIGIT)) != 0; }
int isalpha(int c) { return (ctype_class(c) & (C_UPPER | C_LOWER)) != 0; }
int isblank(int c) { return (ctype_class(c) & C_BLANK) != 0; }
int iscntrl(int c) { return (ctype_class(c) & C_CNTRL) != 0; }
int isdigit(int c) { return (ctype_class(c) & C_DIGIT) != 0; }
int isgraph(int c) { return c > ' ' && c < 127; }
int islower(int c) { return (ctype_class(c) & C_LOWER) != 0; }
int isprint(int c) { return c >= ' ' && c < 127; }
int ispunct(int c) { return (ctype_class(c) & C_PUNCT) != 0; }
int isspace(int c) { return (ctype_class(c) & C_SPACE) != 0; }
int isupper(int c) { return (ctype_class(c) & C_UPPER) != 0; }
int isxdigit(int c) { return (ctype_class(c) & C_XDIG) != 0; }
int isascii(int c) { return c >= 0 && c <= 127; }
int tolower(int c) { return isupper(c) ? c - 'A' + 'a' : c; }
int toupper(int c) { return islower(c) ? c - 'a' + 'A' : c; }
