"""What the demo is made of: names, places and vocabularies, as plain Python data.

Kana readings are in hiragana (katakana words too), as the models' kana fields expect.
"""
