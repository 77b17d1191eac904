from flexplan.cli import main

main()
