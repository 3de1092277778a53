"""Class rosters from the spreadsheets schools export: ``parser`` reads a file into
rows and problems, ``messages`` turns each problem into a sentence for the teacher."""
