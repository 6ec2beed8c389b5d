import GDOpt
