"""Planning: which programmes air on a day, with which items in which order, and how long each will take."""
