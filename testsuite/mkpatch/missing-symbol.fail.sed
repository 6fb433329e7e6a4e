$a\
~ func ghost 16 16 code
