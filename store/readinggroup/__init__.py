"""readinggroup"""
