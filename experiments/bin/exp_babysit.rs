fn main() {
    nnlab_experiments::babysit::main();
}
