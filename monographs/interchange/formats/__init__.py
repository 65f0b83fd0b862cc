"""The file formats: each reads its files into records and, where it can, writes records back."""
